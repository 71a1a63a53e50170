#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages only), then configures and builds into ./build.
# Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    build-essential cmake ninja-build pkg-config
    capnproto libcapnp-dev liblz4-dev libxxhash-dev
    libcli11-dev nlohmann-json3-dev libedit-dev
    qt6-base-dev libgl-dev catch2 libbenchmark-dev
    python3-dev python3-pytest xvfb xauth
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "reel setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_type=${REEL_BUILD_TYPE:-RelWithDebInfo}
if [ ! -f build/CMakeCache.txt ]; then
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" ${REEL_CMAKE_ARGS:-}
fi
cmake --build build -j "$(nproc)"
