#!/usr/bin/env bash
# Installs everything portolan needs to build and test, from Debian 12's packages only.
# Idempotent: packages already present are left alone, and apt-get runs only when needed.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config
  # libraries
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev time jq
  # the late-answer probe test holds a slow network's answers in a netfilter queue
  libnetfilter-queue-dev
  # fuzzing (libFuzzer with ASan/UBSan through clang)
  clang libclang-rt-14-dev
  # checks in CI: formatting, static analysis, include directions (python3)
  clang-format clang-tidy python3
  # kernel checks of rendered policies: nft/iptables load into network namespaces
  iproute2 nftables iptables socat
  # audit: BDDs for exact packet sets, boost's small_vector for cubes; ipset for the kernel-oracle
  # test of -m set
  libbdd-dev libboost-dev ipset
  # probes: asynchronous sockets and TLS
  libasio-dev libssl-dev
  # real servers the probe tests talk to, inside network namespaces
  samba samba-ad-dc samba-ad-provision winbind nginx-light pptpd dnsmasq-base
  # the HTTP proxy half: Squid validates rendered configs (squid -k parse) and stands in the lab
  squid
  # the report's browser tests (tests/report/browser.py) and screenshots: headless Chromium
  chromium-headless-shell
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root (or with sudo) to install them" >&2
  exit 2
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
