#!/usr/bin/env bash
# Everything the Windows build (x86_64, mingw-w64) needs, from Debian 12's own packages only:
# the cross compiler and wine from the package registry, and the libraries Debian ships no
# Windows builds of (yaml-cpp, BuDDy, GoogleTest, OpenSSL) built from Debian's source packages of
# the same versions the Linux build uses. The header-only libraries (nlohmann-json, CLI11, fmt,
# Asio, Boost) are the Linux packages' headers, linked into a curated include folder: /usr/include
# itself must never be on the cross compiler's path (its libc headers are Linux's).
#
# Everything lands in a prefix keyed by the pinned versions (default
# ~/.cache/portolan/windows-deps/<key>, or under $PORTOLAN_WINDOWS_DEPS_ROOT); an existing complete
# prefix is reused as is.
# Usage: install-windows-deps.sh [PREFIX_ROOT]. Prints the prefix on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=$PWD

# The source package versions, pinned: the ones Debian 12 builds the Linux packages from.
YAML_CPP_VERSION=0.7.0+dfsg-8
BUDDY_VERSION=2.4+dfsg-1
GOOGLETEST_VERSION=1.12.1-0.2  # Debian's googletest package is the source itself (/usr/src/googletest)
# OpenSSL: the version of libssl3/libssl-dev that Debian 12's registry installs (bookworm-security).
# Only the source package's upstream tarball (openssl_<upstream>.orig.tar.gz, SHA-256 checked by
# apt against the signed index) is used: the registry serves it but not this version's .dsc and
# .debian.tar.xz. So Debian's patches are not applied: packaging (its Configure targets, man
# pages), and security backports between upstream releases (3.0.20-1~deb12u2 had nine, all in
# upstream 3.0.21); a fix that only exists as a Debian patch of this version is missing here.
# Change the key (this version) when changing the flags below.
OPENSSL_VERSION=3.0.22-1~deb12u2
key="yaml-cpp-${YAML_CPP_VERSION}_buddy-${BUDDY_VERSION}_googletest-${GOOGLETEST_VERSION}_openssl-${OPENSSL_VERSION}"
root=${1:-${PORTOLAN_WINDOWS_DEPS_ROOT:-$HOME/.cache/portolan/windows-deps}}
prefix="$root/$key"

PACKAGES=(g++-mingw-w64-x86-64-posix mingw-w64-x86-64-dev wine wine64 dpkg-dev googletest make perl
  libyaml-cpp-dev libbdd-dev nlohmann-json3-dev libcli11-dev libfmt-dev libasio-dev libboost-dev cmake ninja-build)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-windows-deps: missing ${missing[*]}; run as root (or with sudo) to install them" >&2
    exit 2
  fi
  echo "install-windows-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ -f "$prefix/.complete" ]; then
  echo "install-windows-deps: reusing $prefix" >&2
  echo "$prefix"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$prefix"
mkdir -p "$prefix/include" "$prefix/lib"
toolchain="$source_dir/cmake/windows-x64.cmake"

# Source packages through a private apt configuration that adds deb-src lines for the machine's
# own Debian registry; /etc/apt is left alone.
apt_dir="$work/apt"
mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
for list in /etc/apt/sources.list.d/*.sources; do
  [ -f "$list" ] && sed 's/^Types: deb$/Types: deb deb-src/' "$list" >"$apt_dir/parts/$(basename "$list")"
done
if [ -f /etc/apt/sources.list ]; then
  sed -n 's/^deb \(.*\)$/deb-src \1/p' /etc/apt/sources.list >"$apt_dir/parts/debsrc.list"
fi
apt_options=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/parts"
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
apt-get "${apt_options[@]}" update -qq >&2
(cd "$work" && apt-get "${apt_options[@]}" source -qq "yaml-cpp=$YAML_CPP_VERSION" "buddy=$BUDDY_VERSION" >&2)
(cd "$work" && apt-get "${apt_options[@]}" source -qq --download-only --tar-only "openssl=$OPENSSL_VERSION" >&2)

cross=x86_64-w64-mingw32
# yaml-cpp: its own CMake build, static.
yaml_source=$(find "$work" -maxdepth 1 -type d -name 'yaml-cpp-*' | head -1)
cmake -S "$yaml_source" -B "$work/yaml-build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE=Release -DYAML_CPP_BUILD_TESTS=OFF -DYAML_CPP_BUILD_TOOLS=OFF -DYAML_BUILD_SHARED_LIBS=OFF \
  -DYAML_CPP_BUILD_CONTRIB=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >&2
cmake --build "$work/yaml-build" -j "$(nproc)" >&2
cmake --install "$work/yaml-build" >&2

# BuDDy: autotools upstream, but only C files and one C++ file; compiled directly.
buddy_source=$(find "$work" -maxdepth 1 -type d -name 'buddy-*' | head -1)
printf '#define MAJOR_VERSION 2\n#define MINOR_VERSION 4\n#define PACKAGE_VERSION "2.4"\n#define STDC_HEADERS 1\n' \
  >"$buddy_source/src/config.h"
mkdir -p "$work/buddy-build"
for file in "$buddy_source"/src/*.c; do
  "$cross-gcc-posix" -O2 -DHAVE_CONFIG_H -I"$buddy_source/src" -c "$file" -o "$work/buddy-build/$(basename "$file" .c).o"
done
"$cross-g++-posix" -O2 -DHAVE_CONFIG_H -I"$buddy_source/src" -c "$buddy_source/src/cppext.cxx" \
  -o "$work/buddy-build/cppext.o"
"$cross-ar" rcs "$prefix/lib/libbdd.a" "$work"/buddy-build/*.o
cp "$buddy_source/src/bdd.h" "$buddy_source/src/fdd.h" "$buddy_source/src/bvec.h" "$prefix/include/"

# GoogleTest from Debian's googletest package, which is its source.
cmake -S /usr/src/googletest -B "$work/gtest-build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -Dgtest_disable_pthreads=OFF >&2
cmake --build "$work/gtest-build" -j "$(nproc)" >&2
cmake --install "$work/gtest-build" >&2

# OpenSSL: static libssl.a and libcrypto.a and the headers, for the probe's TLS client (LDAPS on
# 636 and 3269, HTTPS): TLS 1.0 to 1.3 with RSA and ECDHE key exchange, AES and 3DES (a Windows
# 2003 domain controller offers TLS 1.0 with RSA key exchange and RC4 or 3DES, AES only with
# KB 948963), and reading the server's X.509 certificate.
# Built as fast as it can be (CI builds it every time): only the libraries (no apps, tests or
# docs), at -O1 and without assembly (a probe's few handshakes are not CPU-bound; without asm
# AES is OpenSSL's table-based C code, acceptable for probes that carry no secrets), and without
# what that client never uses: engines, providers as modules and the DLL loader, the legacy
# provider (RC4, which TLS in OpenSSL 3.0 can only get from it, and other old ciphers), DTLS, CMS,
# timestamps, CMP, OCSP, certificate transparency, SRP, SM2/3/4, GOST, binary curves and the
# ciphers and digests no TLS server of interest negotiates. enable-weak-ssl-ciphers: OpenSSL 3.0
# compiles the 3DES suites (DES-CBC3-SHA, the one Windows 2003 always has) only with it; the RC4
# suites it also compiles stay unusable without the legacy provider. Kept: RSA, DSA, DH, EC (ECDHE,
# ECDSA, X25519), AES, DES (3DES), ChaCha20-Poly1305, SHA-1/2/3, MD5 (TLS 1.0/1.1 need it), PSK
# and the deprecated API (Asio's ssl headers use it). 3.0 has no no-apps or no-docs: making just
# the two libraries builds neither (nor the apps' helper library that `make build_libs` adds).
# Security: a static OpenSSL reads <OPENSSLDIR>/openssl.cnf, and Configure takes only Unix-absolute
# directories: its default /usr/local/ssl means \usr\local\ssl on the current drive on Windows,
# which any user may create (CVE-2019-1552). So the directories compiled into libcrypto are set
# at make time to Windows paths that only administrators can create, and no-autoload-config stops
# libssl's own initialisation from loading the file. That is not enough by itself in 3.0: the
# OBJ_ functions (which SSL_CTX_new and X509_NAME_oneline use) still load the default config once
# (seen under wine); a program that must read none calls
# OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr) before any other OpenSSL call.
# Engines and provider modules, which a config could name, are not built (no-engine, no-module,
# no-dso). Configure's --prefix is never installed to: the two libraries and the headers are
# copied by hand (`make install_dev` would put the libraries into lib64).
openssl_start=$SECONDS
openssl_windows_dir="C:/Program Files/portolan/ssl"
tar -xzf "$work/openssl_${OPENSSL_VERSION%-*}.orig.tar.gz" -C "$work"
openssl_source="$work/openssl-${OPENSSL_VERSION%-*}"
(cd "$openssl_source" && ./Configure mingw64 --cross-compile-prefix="$cross-" CC=gcc-posix CFLAGS=-O1 \
  --prefix=/nonexistent --libdir=lib no-shared no-tests no-asm no-autoload-config enable-weak-ssl-ciphers \
  no-engine no-module no-dso no-legacy no-comp no-dtls no-srtp no-nextprotoneg no-async \
  no-cms no-ts no-cmp no-ocsp no-ct no-srp no-rfc3779 no-ui-console \
  no-sm2 no-sm3 no-sm4 no-gost no-ec2m no-idea no-camellia no-aria no-seed no-bf no-cast \
  no-rc2 no-rc4 no-md4 no-mdc2 no-rmd160 no-whirlpool no-blake2 no-siphash no-siv no-ocb no-scrypt >&2)
openssl_make=(make -C "$openssl_source" -j "$(nproc)" OPENSSLDIR="$openssl_windows_dir"
  ENGINESDIR="$openssl_windows_dir/engines-3" MODULESDIR="$openssl_windows_dir/ossl-modules")
"${openssl_make[@]}" build_generated >&2  # the generated headers first, then the two libraries
"${openssl_make[@]}" libssl.a libcrypto.a >&2
mkdir -p "$prefix/include/openssl"
cp "$openssl_source"/include/openssl/*.h "$prefix/include/openssl/"
cp "$openssl_source/libssl.a" "$openssl_source/libcrypto.a" "$prefix/lib/"
echo "install-windows-deps: OpenSSL ${OPENSSL_VERSION%-*} built in $((SECONDS - openssl_start)) s" >&2

# The header-only libraries: the Linux packages' headers, one link each.
for header in nlohmann CLI fmt asio asio.hpp boost; do
  ln -sfn "/usr/include/$header" "$prefix/include/$header"
done

touch "$prefix/.complete"
echo "install-windows-deps: built into $prefix" >&2
echo "$prefix"
