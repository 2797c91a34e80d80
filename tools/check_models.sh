#!/usr/bin/env bash
# check_models.sh: compiles every ONNX model of a folder with --soma and replays each stream
# at all three levels, with the model's own test data when it has some and with ONNX
# Runtime's outputs on seeded random inputs otherwise. Writes one row per model to
# OUT/results.md (a Markdown table) and OUT/results.csv.
#
#   tools/check_models.sh MODEL_DIR OUT_DIR [--target HW.yaml] [--time-limit SECONDS]
#       [--dims FILE]
#
# FILE lists per-model settings, one model per line: `MODEL.onnx NAME=VALUE ... [--int-high=N]
# [--value=INPUT=V1,V2,...] [--tolerance=X] [--reseed-fills]`. NAME=VALUE binds a symbolic
# dimension (npuc --soma-dim and the ONNX Runtime reference); --int-high bounds the random
# integer inputs of the reference (token ids, indices); --value fixes one input's values
# (offsets and tables that must agree with each other); --tolerance replaces the functional
# replay's 1e-4 (fp16 models compute in half precision in ONNX Runtime); --reseed-fills
# checks a copy whose ConstantOfShape weight fills hold seeded random values instead
# (soma-reseed-fills), for "light" models whose equal weights make the outputs rounding
# noise. The build must exist (tools/build.sh); ONNX Runtime comes from
# tools/install_deps.sh. Exit codes: 0 the table is written, 1 written but ONNX Runtime is
# missing, so models without test data were not checked functionally, 2 invalid arguments.
set -uo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo_root/build/bin"

usage() {
  echo "usage: tools/check_models.sh MODEL_DIR OUT_DIR [--target HW.yaml] [--time-limit S] [--dims FILE]" >&2
  exit 2
}

[[ $# -ge 2 ]] || usage
model_dir="$1"
out_dir="$2"
shift 2
target="$repo_root/models/hw/soma-edge.yaml"
time_limit=60
dims_file=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --time-limit) time_limit="$2"; shift 2 ;;
    --dims) dims_file="$2"; shift 2 ;;
    *) echo "check_models.sh: unknown option '$1'" >&2; usage ;;
  esac
done
[[ -d "$model_dir" ]] || { echo "check_models.sh: model folder '$model_dir' does not exist" >&2; exit 2; }
[[ -x "$bin/npuc" ]] || { echo "check_models.sh: $bin/npuc is missing; run tools/build.sh first" >&2; exit 2; }

missing_runtime=0
mkdir -p "$out_dir"
results_md="$out_dir/results.md"
results_csv="$out_dir/results.csv"
echo "| model | compile | placement (npu / folded / host) | structural | timing | functional | reference | detail |" >"$results_md"
echo "|---|---|---|---|---|---|---|---|" >>"$results_md"
echo "model,compile_exit,npu,folded,host,structural,timing,functional,reference,detail" >"$results_csv"

# The bindings of `model` from the dims file, as words NAME=VALUE.
bindings_of() {
  [[ -n "$dims_file" ]] || return 0
  awk -v model="$1" '$1 == model { for (i = 2; i <= NF; ++i) print $i }' "$dims_file"
}

# Exit code of a replay level, as "pass", "FAIL (exit N)".
verdict() {
  if [[ "$1" -eq 0 ]]; then echo "pass"; else echo "FAIL (exit $1)"; fi
}

# One line of a file, without the table's column separator.
first_line() {
  grep -m1 -E "$2" "$1" 2>/dev/null | tr '|' '/' | cut -c1-200
}

for model in "$model_dir"/*.onnx; do
  name="$(basename "$model")"
  stem="${name%.onnx}"
  case_dir="$out_dir/$stem"
  rm -rf "$case_dir"
  mkdir -p "$case_dir"
  dim_flags=()
  ort_flags=()
  tolerance=1e-4
  reseed=0
  while read -r binding; do
    case "$binding" in
      "") ;;
      --int-high=*) ort_flags+=(--int-high "${binding#--int-high=}") ;;
      --value=*) ort_flags+=(--value "${binding#--value=}") ;;
      --reseed-fills) reseed=1 ;;
      --tolerance=*) tolerance="${binding#--tolerance=}" ;;
      *)
        dim_flags+=("--soma-dim=$binding")
        ort_flags+=(--dim "$binding")
        ;;
    esac
  done < <(bindings_of "$name")

  echo "== $name" >&2
  source_model="$model"
  if [[ $reseed -eq 1 ]]; then
    model="$case_dir/reseeded.onnx"
    "$bin/soma-reseed-fills" "$source_model" "$model" >"$case_dir/reseed.log" 2>&1 ||
      { echo "check_models.sh: soma-reseed-fills failed on $name (see $case_dir/reseed.log)" >&2; exit 5; }
  fi
  "$bin/npuc" compile "$model" --target "$target" -o "$case_dir/out" --soma \
    "--soma-time-limit=$time_limit" "${dim_flags[@]}" >"$case_dir/compile.log" 2>&1
  compile_exit=$?
  placement="$case_dir/out/placement.csv"
  npu=0 folded=0 host=0
  if [[ -f "$placement" ]]; then
    npu=$(awk -F, 'NR > 1 && $3 == "npu"' "$placement" | wc -l)
    folded=$(awk -F, 'NR > 1 && $3 == "folded"' "$placement" | wc -l)
    host=$(awk -F, 'NR > 1 && $3 == "host"' "$placement" | wc -l)
  fi
  structural="-" timing="-" functional="-" reference="-" detail=""
  if [[ $compile_exit -ne 0 ]]; then
    detail="$(first_line "$case_dir/compile.log" 'error|npuc')"
  else
    stream="$case_dir/out/stream.npub"
    "$bin/npu-replay" "$stream" --level structural >"$case_dir/structural.log" 2>&1
    structural="$(verdict $?)"
    "$bin/npu-replay" "$stream" --level timing >"$case_dir/timing.log" 2>&1
    timing="$(verdict $?)"
    data_sets=("$model_dir/$stem".test_data_set_*)
    if [[ -d "${data_sets[0]}" && $reseed -eq 0 ]]; then
      reference="test data (${#data_sets[@]} sets)"
    else
      reference="ONNX Runtime"
      [[ $reseed -eq 1 ]] && reference="ONNX Runtime, fills reseeded"
      if node "$repo_root/tools/ort/ort_reference.mjs" --model "$model" --seed 1 \
          --out "$case_dir/ort_data" "${ort_flags[@]}" >"$case_dir/ort.log" 2>&1; then
        data_sets=("$case_dir/ort_data")
      elif [[ ! -d "$repo_root/tools/ort/node_modules/onnxruntime-node" ]]; then
        data_sets=()
        reference="none: ONNX Runtime is not installed (tools/install_deps.sh installs it)"
        missing_runtime=1
      else
        data_sets=()
        reference="none: $(first_line "$case_dir/ort.log" 'ort_reference')"
      fi
    fi
    functional_exit=0
    for data in "${data_sets[@]}"; do
      "$bin/npu-replay" "$stream" --level functional --test-data "$data" --tolerance "$tolerance" \
        >>"$case_dir/functional.log" 2>&1 || functional_exit=$?
    done
    if [[ ${#data_sets[@]} -eq 0 ]]; then
      functional="not run"
    else
      functional="$(verdict $functional_exit)"
    fi
    detail="$(first_line "$case_dir/functional.log" 'error|max')"
  fi
  echo "| $name | $compile_exit | $npu / $folded / $host | $structural | $timing | $functional | $reference | $detail |" >>"$results_md"
  echo "$name,$compile_exit,$npu,$folded,$host,$structural,$timing,$functional,\"$reference\",\"${detail//\"/\'}\"" >>"$results_csv"
done
echo "results in $results_md and $results_csv" >&2
if [[ $missing_runtime -eq 1 ]]; then
  echo "check_models.sh: models without test data were not checked functionally, because" \
    "ONNX Runtime is not installed; run tools/install_deps.sh" >&2
  exit 1
fi
