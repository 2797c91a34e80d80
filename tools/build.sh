#!/usr/bin/env bash
# build.sh: configures and builds the project into build/ (binaries in build/bin, the
# plugin in build/lib).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -S "$repo_root" -B "$repo_root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$repo_root/build" -j"$(nproc)"
