#!/usr/bin/env bash
# demo.sh: installs dependencies, builds, compiles the shipped residual network with --soma
# on the soma-edge preset, and replays the stream at all three levels.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo_root/tools/install_deps.sh"
"$repo_root/tools/build.sh"

model="$repo_root/models/residual_small.onnx"
out="$repo_root/build/demo/residual_small"
bin="$repo_root/build/bin"

echo
echo "== npuc compile $(basename "$model") --target soma-edge.yaml --soma"
"$bin/npuc" compile "$model" --target "$repo_root/models/hw/soma-edge.yaml" --soma -o "$out"
for level in structural timing; do
  echo
  echo "== npu-replay stream.npub --level $level"
  "$bin/npu-replay" "$out/stream.npub" --level "$level"
done
echo
echo "== npu-replay stream.npub --level functional --test-data residual_small.test_data_set_0"
"$bin/npu-replay" "$out/stream.npub" --level functional \
  --test-data "$repo_root/models/residual_small.test_data_set_0"
echo
echo "outputs in $out: $(cd "$out" && ls | tr '\n' ' ')"
