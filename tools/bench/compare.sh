#!/usr/bin/env bash
# Side by side, in one run: attnviz, Hugging Face eager (../shared/oracle) and
# the machine's sgemm rate over the same pass, on one model folder.
#   tools/bench/compare.sh MODEL_DIR [ROUNDS] [REPEAT] [THREADS_LIST] [TOKENS_LIST]
#   e.g. tools/bench/compare.sh /tmp/bert-base 3 10 "1 2" "16 128 512"
# Needs a built attnviz-cli (ATTNVIZ_CLI, default build/app/cli/attnviz-cli) and
# the oracle (ATTNVIZ_ORACLE, default /tmp/attnviz-oracle; see
# ../shared/oracle/README.md). Every side runs with OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset, as on a user's machine. The sides alternate within
# each round; the table gives the best round's median per side and the
# spread (slowest / fastest round median) across rounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$1; rounds=${2:-3}; repeat=${3:-10}; threads_list=${4:-"1 2"}; tokens_list=${5:-"16 128 512"}
cli=${ATTNVIZ_CLI:-build/app/cli/attnviz-cli}
oracle=${ATTNVIZ_ORACLE:-/tmp/attnviz-oracle}
[ -f "$oracle/env.sh" ] || { echo "compare.sh: no oracle at '$oracle' (set ATTNVIZ_ORACLE; see ../shared/oracle/README.md)" >&2; exit 1; }
# shellcheck disable=SC1091
. "$oracle/env.sh"
case $(grep -o '"model_type": *"[a-z0-9_]*"' "$model/config.json" | sed 's/.*"\([a-z0-9_]*\)"$/\1/') in
bert) shape=bert ;; gpt2) shape=gpt2 ;; *) shape="" ;;
esac
clean=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
field() { awk -v k="$1" '$1 == k {print $2}'; }
declare -A best worst
note() {  # note KEY VALUE: keep the smallest and largest value of KEY
    local k=$1 v=$2
    if [ -z "${best[$k]:-}" ] || (($(echo "$v < ${best[$k]}" | bc -l))); then best[$k]=$v; fi
    if [ -z "${worst[$k]:-}" ] || (($(echo "$v > ${worst[$k]}" | bc -l))); then worst[$k]=$v; fi
}
for ((r = 1; r <= rounds; r++)); do
    for th in $threads_list; do
        for t in $tokens_list; do
            a=$("${clean[@]}" "$cli" bench --model "$model" --tokens "$t" --repeat "$repeat" --threads "$th")
            note "a $th $t" "$(echo "$a" | field median)"
            [ "$r" = 1 ] && [ "$th" = "$(echo $threads_list | cut -d' ' -f1)" ] && [ "$t" = "$(echo $tokens_list | cut -d' ' -f1)" ] &&
                echo "$a" | grep -E '^(model|backend|threads|floor) ' | sed 's/^/# /'
            h=$("${clean[@]}" "$PY" tools/bench/hf_bench.py --model "$model" --tokens "$t" --repeat "$repeat" --threads "$th")
            note "h $th $t" "$(echo "$h" | field median)"
            if [ -n "$shape" ]; then
                s=$("${clean[@]}" "$PY" tools/bench/hf_bench.py --sgemm "$shape" --tokens "$t" --repeat "$repeat" --threads "$th")
                note "s $th $t" "$(echo "$s" | field min)"
            fi
        done
    done
done
echo "# $(lscpu | grep 'Model name' | sed 's/ \+/ /g'), $(nproc) cores; $rounds rounds x $repeat runs; OPENBLAS_* unset on every side"
printf "%7s %6s | %16s | %16s | %11s | %14s\n" threads tokens "attnviz ms" "HF eager ms" "attnviz/HF" "sgemm share"
for th in $threads_list; do
    for t in $tokens_list; do
        a=${best["a $th $t"]}; aw=${worst["a $th $t"]}; h=${best["h $th $t"]}; hw=${worst["h $th $t"]}
        share="-"
        [ -n "$shape" ] && share=$(printf "%.0f%%" "$(echo "100 * ${best["s $th $t"]} / $a" | bc -l)")
        printf "%7s %6s | %7.1f (%6.1f) | %7.1f (%6.1f) | %10.2fx | %14s\n" "$th" "$t" "$a" "$aw" "$h" "$hw" \
            "$(echo "$a / $h" | bc -l)" "$share"
    done
done
echo "# ms: best round's median (slowest round's median). sgemm share: numpy/OpenBLAS time for the pass's"
echo "# matrix products (hf_bench.py --sgemm) / attnviz time, i.e. attnviz's rate as a share of the machine's."
