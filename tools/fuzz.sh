#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan, UBSan; core and the
# targets only) and runs each for SECONDS (default 20) from its seeds and
# dictionary; the corpus grows in the build folder and is reused next time.
#   tools/fuzz.sh [SECONDS [TARGET]]    e.g. tools/fuzz.sh 60 fuzz_encode
# Exits non-zero when a target crashes or breaks an invariant, naming the
# target and the input that did it: copy that file into
# tests/fuzz/regressions/<target>/ so ctest replays it from then on.
# ATTNVIZ_FUZZ_BUILD_DIR (default: build-fuzz) chooses the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-20}
ONLY=${2:-}
BUILD_DIR=${ATTNVIZ_FUZZ_BUILD_DIR:-build-fuzz}
case "$SECONDS_EACH" in '' | *[!0-9]*) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 2 ;; esac


# The dictionaries (tests/fuzz/dict) each target reads, joined into one file.
dicts_for() {
    case "$1" in
    fuzz_safetensors) echo safetensors json ;;
    fuzz_config) echo config json ;;
    fuzz_model_run) echo config safetensors json ;;
    fuzz_tokenizer_json) echo tokenizer_json json text ;;
    fuzz_tokenizer_config) echo tokenizer_config json ;;
    fuzz_vocab_txt | fuzz_bpe_vocab) echo vocab json ;;
    fuzz_sentencepiece) echo sentencepiece ;;
    fuzz_encode | fuzz_decode) echo text ;;
    *) echo json ;;
    esac
}

tools/dev.sh deps tools/debian-packages-fuzz.txt
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DATTNVIZ_FUZZ=ON -DATTNVIZ_BUILD_GUI=OFF -DATTNVIZ_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"

targets=$(sed -n '/^set(ATTNVIZ_FUZZ_TARGETS/,/)/p' tests/fuzz/CMakeLists.txt | tr -d '()' | tr -s ' \t' '\n' | grep '^fuzz_')
if [ -n "$ONLY" ]; then
    grep -qx "$ONLY" <<<"$targets" || { echo "no fuzz target '$ONLY'; targets: $(echo $targets)" >&2; exit 2; }
    targets=$ONLY
fi

# One thread for OpenBLAS and OpenMP: the targets' models are tiny, and
# libFuzzer's -timeout/-rss_limit_mb watch one process best without a thread pool.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fuzz_dir=tests/fuzz
out="$BUILD_DIR/fuzz-runs"
failed=()
for t in $targets; do
    corpus="$out/corpus/$t" crashes="$out/crashes/$t" dict="$out/dict/$t.dict" log="$out/logs/$t.log"
    rm -rf "$crashes"
    mkdir -p "$corpus" "$crashes" "$(dirname "$dict")" "$(dirname "$log")"
    : >"$dict"
    for d in $(dicts_for "$t"); do cat "$fuzz_dir/dict/$d.dict" >>"$dict"; done
    inputs=("$corpus" "$BUILD_DIR/tests/fuzz/seeds/$t")
    [ -d "$fuzz_dir/regressions/$t" ] && inputs+=("$fuzz_dir/regressions/$t")
    echo "== $t: ${SECONDS_EACH}s"
    if "$BUILD_DIR/tests/fuzz/$t" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 \
        -dict="$dict" -artifact_prefix="$crashes/" -print_final_stats=1 "${inputs[@]}" >"$log" 2>&1; then
        echo "   $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') executions, corpus $(ls "$corpus" | wc -l) files"
    else
        failed+=("$t")
        echo "   FAILED: $t (log: $log)" >&2
        grep -E 'ERROR:|invariant failed|SUMMARY:|runtime error' "$log" | head -5 >&2 || true
        for f in "$crashes"/*; do [ -e "$f" ] && echo "   crash input: $f (copy it to $fuzz_dir/regressions/$t/)" >&2; done
    fi
done
if ((${#failed[@]})); then
    echo "fuzzing found problems in: ${failed[*]}" >&2
    exit 1
fi
echo "fuzzing clean: $(echo $targets | wc -w) targets, ${SECONDS_EACH}s each"
