#!/usr/bin/env bash
# Everything the Windows build (x86_64, mingw-w64) needs, from Debian 12's own packages only:
# the cross compiler and wine from the package registry, and the libraries Debian ships no
# Windows builds of (yaml-cpp, BuDDy, GoogleTest) built from Debian's source packages of the same
# versions the Linux build uses. The header-only libraries (nlohmann-json, CLI11, fmt, Asio, Boost)
# are the Linux packages' headers, linked into a curated include folder: /usr/include itself must
# never be on the cross compiler's path (its libc headers are Linux's).
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
key="yaml-cpp-${YAML_CPP_VERSION}_buddy-${BUDDY_VERSION}_googletest-${GOOGLETEST_VERSION}"
root=${1:-${PORTOLAN_WINDOWS_DEPS_ROOT:-$HOME/.cache/portolan/windows-deps}}
prefix="$root/$key"

PACKAGES=(g++-mingw-w64-x86-64-posix mingw-w64-x86-64-dev wine wine64 dpkg-dev googletest
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

# The header-only libraries: the Linux packages' headers, one link each.
for header in nlohmann CLI fmt asio asio.hpp boost; do
  ln -sfn "/usr/include/$header" "$prefix/include/$header"
done

touch "$prefix/.complete"
echo "install-windows-deps: built into $prefix" >&2
echo "$prefix"
