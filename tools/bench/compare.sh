#!/usr/bin/env bash
# Side-by-side forward-pass times (all attention captured) of attnviz and
# PyTorch on the same model folder, token counts and thread count.
#   tools/bench/compare.sh MODEL_DIR [THREADS] [REPEAT] [TOKENS...]
# Set OPENBLAS_CORETYPE (or leave it unset) before calling: both sides see the same value.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$1; threads=${2:-2}; repeat=${3:-10}; shift 3 || true
tokens=("$@"); [ ${#tokens[@]} -gt 0 ] || tokens=(16 128 512)
cli=${ATTNVIZ_CLI:-build/app/cli/attnviz-cli}
field() { awk -v k="$1" '$1 == k {print $2}'; }
echo "model $(basename "$model"), $threads threads, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}, $repeat repeats"
printf "%8s | %14s %14s | %14s %14s | %s\n" tokens "attnviz median" "attnviz min" "torch median" "torch min" "torch/attnviz (median)"
for t in "${tokens[@]}"; do
    a=$("$cli" bench --model "$model" --tokens "$t" --repeat "$repeat" --threads "$threads")
    p=$(/usr/bin/python3 tools/bench/torch_bench.py --model "$model" --tokens "$t" --repeat "$repeat" --threads "$threads")
    am=$(echo "$a" | field median); an=$(echo "$a" | field min)
    pm=$(echo "$p" | field median); pn=$(echo "$p" | field min)
    printf "%8s | %11s ms %11s ms | %11s ms %11s ms | %.2fx\n" "$t" "$am" "$an" "$pm" "$pn" "$(echo "$pm / $am" | bc -l)"
done
