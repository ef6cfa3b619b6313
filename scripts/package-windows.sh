#!/usr/bin/env bash
# The Windows release archive: out/portolan-<version>-windows-x64.zip with portolan.exe, the
# README, the examples, the licence texts of what is linked into the program, and a SHA-256 file
# of the archive next to it. Builds portolan.exe first (scripts/build-windows.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-windows.sh
version=$(sed -n 's/^project(portolan VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
name="portolan-$version-windows-x64"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/examples" "$stage/$name/licences"
cp build-windows/portolan.exe README.md "$stage/$name/"
cp examples/*.yaml examples/*.rules examples/*.conf "$stage/$name/examples/"
# What portolan.exe links in (statically): each package's Debian copyright file holds its licence
# (libssl-dev's for the OpenSSL built from the same source package). A missing one stops the
# archive: it must never ship without a licence of what is in it.
for package in libyaml-cpp-dev libbdd-dev libfmt-dev libcli11-dev nlohmann-json3-dev libboost-dev libasio-dev \
  libssl-dev mingw-w64-x86-64-dev gcc-mingw-w64-base; do
  if [ ! -f "/usr/share/doc/$package/copyright" ]; then
    echo "package-windows: /usr/share/doc/$package/copyright is missing (apt-get install $package)" >&2
    exit 1
  fi
  cp "/usr/share/doc/$package/copyright" "$stage/$name/licences/$package.txt"
done
mkdir -p out
rm -f "out/$name.zip"
(cd "$stage" && python3 -m zipfile -c "$OLDPWD/out/$name.zip" "$name")
(cd out && sha256sum "$name.zip" >"$name.zip.sha256")
echo "wrote out/$name.zip and out/$name.zip.sha256"
