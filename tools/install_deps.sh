#!/usr/bin/env bash
# install_deps.sh: installs what building and testing the project needs on Debian 12.
#
# Debian packages come from apt-get when running as root; otherwise the script prints the
# exact command to run and stops. ONNX Runtime (the npm package onnxruntime-node, used only
# as an independent oracle in tests and tools) is installed into tools/ort/node_modules;
# without it those tests skip with a message.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(cmake ninja-build g++ pkg-config libonnx-dev libprotobuf-dev protobuf-compiler
  libabsl-dev libyaml-cpp-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  libonnx-testdata)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "install_deps: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "install_deps: missing Debian packages: ${missing[*]}" >&2
    echo "install_deps: run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

ort_dir="$repo_root/tools/ort"
if [[ -f "$ort_dir/package.json" && ! -d "$ort_dir/node_modules/onnxruntime-node" ]]; then
  if command -v npm >/dev/null 2>&1; then
    echo "install_deps: installing onnxruntime-node into tools/ort (test oracle only)"
    if ! (cd "$ort_dir" && npm install --ignore-scripts --no-audit --no-fund --silent >/dev/null 2>&1); then
      echo "install_deps: warning: npm install of onnxruntime-node failed;" \
        "tests that compare against ONNX Runtime will skip" >&2
    fi
  fi
fi
