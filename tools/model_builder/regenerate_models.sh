#!/usr/bin/env bash
# regenerate_models.sh: rewrites the shipped models in models/ and their ONNX Runtime test
# data. Usage: tools/model_builder/regenerate_models.sh BUILD_DIR
# Needs soma-modelgen built in BUILD_DIR/bin and onnxruntime-node installed with
#   npm install --ignore-scripts --prefix tools/ort onnxruntime-node
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR, the build folder that contains bin/soma-modelgen" >&2
  exit 2
fi
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
modelgen="$1/bin/soma-modelgen"
seed=1

for model in residual-small op-coverage; do
  stem="${model//-/_}"
  "$modelgen" --model "$model" --seed "$seed" --out "$repo_root/models/$stem.onnx"
  node "$repo_root/tools/ort/ort_reference.mjs" --model "$repo_root/models/$stem.onnx" \
    --seed "$seed" --out "$repo_root/models/$stem.test_data_set_0"
  echo "wrote models/$stem.onnx and models/$stem.test_data_set_0/"
done
