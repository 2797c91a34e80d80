#!/usr/bin/env bash
# test.sh: installs dependencies, builds, and runs the whole test suite through ctest.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo_root/tools/install_deps.sh"
"$repo_root/tools/build.sh"
cd "$repo_root/build"
ctest --output-on-failure -j"$(nproc)" --timeout 900
