// attnviz-cli: tokens, attention, benchmarks and exports without a window.
#include "commands.h"

#include "attnviz/core/allocator.h"

#include <cstdio>
#include <cstring>
#include <iostream>

namespace {

const char* kUsage = R"(usage: attnviz-cli <command> [options]

commands:
  tokens     --model DIR (--text T [--pair P] | --ids 1,2,3) [--json]
  attention  --model DIR (--text T [--pair P] | --ids 1,2,3 [--token-types 0,0,1])
             [--mask default|causal|bidirectional|window:N] [--global 0,5] [--scores] [-o FILE]
             [--format json|trace [--trace-dtype f16|f32]]: trace writes a trace file (needs -o)
             [--heads L:H[,L:H...]]: only those heads, as "heads": [{"layer", "head", "attention"
             [T][T]}] in place of "attention"
  attention  --model T5/BART/MARIAN-DIR (--text SRC [--target TGT] | --ids 1,2,3 [--decoder-ids 4,5,6])
             [--mask M] [--decoder-mask M] [--max-new-tokens N] [-o FILE]
             encoder-decoder models: "encoder_tokens", "decoder_tokens" [{"id", "text"}],
             "encoder_attention" [L][H][S][S], "decoder_attention" [L][H][T][T], "cross_attention"
             [L][H][T][S] (row = target query, column = source token); with --target the decoder is
             teacher-forced (start token + the target's ids shifted right, as Hugging Face does with
             labels); without it the model generates greedily first ("generated")
  generate   --model DIR (--text T | --ids 1,2,3) [--max-new-tokens N (20)]
             [--temperature X [--top-k K] [--seed S]] [-o FILE]
             greedy by default; "generated" [{"id", "text"}] (new tokens only), "text", and per
             step {"id", "top", "self_attention" [L][H][n], "cross_attention" [L][H][S]}: step s is
             the query that produced generated token s (encoder-decoder: decoder position s,
             n = s + 1; decoder-only: prompt position P - 1 + s, n = P + s)
  attention|analyze|export --trace FILE ...
             read a trace file (docs/trace-format.md; attnviz-cli attention --format trace,
             tools/hf_trace.py) in place of --model and the input; the mask and tokens are the file's
  analyze    --model DIR (--text T [--pair P] | --ids 1,2,3 [--token-types 0,0,1])
             [--mask M] [--sort STAT] [--csv] [--flow] [-o FILE]
             encoder-decoder models: [--target TGT | --decoder-ids 4,5,6] [--decoder-mask M]
             [--attention encoder|decoder (encoder)]: the analyses of that stack's self-attention
             ("attention_kind"); without a target, of the run over the generated text
  explain    --model DIR (--text T [--pair P] | --ids 1,2,3) --layer L --head H --query I
             [--mask M] [-o FILE]
             one row of one head step by step (the GUI's Explain view) as JSON: "x" [d_model]
             (the block's input after its norm), "q" [d_head] (as it enters the dot product),
             "k" [T][d_head], "v" [T][d_head] (its KV head's, "kv_head"), "q_before_rope" and
             "k_before_rope" (RoPE models), "scores" [T] (q.k_j), "scaled" [T] (the model's rule,
             "scale", "softcap", "scale_rule"), "masked" [T] (null where masked),
             "probabilities" [T] (that row of attention), "output" [d_head] (sum_j a_j v_j)
             encoder-decoder models: [--target TGT | --decoder-ids 4,5,6] [--decoder-mask M]
             [--attention encoder|decoder|cross (encoder)]: that attention's row ("scaled" adds
             T5's relative position bias, "position_bias"); cross: the query is a decoder
             position ("query_tokens"), the keys are the source tokens ("tokens")
  predict    --model DIR (--text T [--pair P] | --ids 1,2,3) [--top K] [--mask M] [--json]
             causal models: the top-K next tokens after the text; masked LMs: the top-K
             fillers of every [MASK] (or <mask>) in the text; probabilities = softmax(logits)
  bench      --model DIR --tokens N [--repeat K] [--threads N] [--mask M] [--memory] [--lazy]
             --lazy: keep each layer's queries and keys (the trace long inputs get), then
             time computing heads on request: head_ms (median, max over 8 spread heads)
  bench      --model DIR --typing FILE [--threads N] [--mask M] [--no-reuse]
             FILE's text typed one character at a time through the GUI's pipeline (tokenize,
             run with what the views draw, no debounce): p50, p95 and max ms per keystroke,
             and how many runs reused the previous run's prefix (causal models; --no-reuse:
             none, every run computes every row)
  bench      --model DIR --generate N [--tokens P] [--repeat K] [--threads N]
             N greedy new tokens after P random prompt (encoder-decoder: source) ids: ms of the
             first step (prompt and first token) and per new token after it (median, min)
  make-model --preset NAME --out DIR [--seed S] [--dtype f32|f16|bf16]
             a seeded random model of a preset's shape (tiny-<family> for tests, real shapes
             such as bert-base, gpt2-small, llama-1b, pythia-160m, gemma2-2b, t5-base, flan-t5-base,
             bart-base, marian-en-de); an unknown
             NAME lists them all
  make-model --preset NAME --out FILE.gguf [--seed S] [--gguf-type f32|f16|bf16|q8_0|q4_0|q4_k_m|q5_k_m|q6_k]
             the same model as one GGUF file laid out as llama.cpp's converter writes it
             (llama, qwen2, gemma, gemma2, phi3, gpt2 and gpt-neox presets)
  models     [--json] [--add DIR...]
             the models on this machine: the Hugging Face cache (HF_HUB_CACHE, else HF_HOME/hub,
             else ~/.cache/huggingface/hub), Ollama (OLLAMA_MODELS, else ~/.ollama/models), LM Studio
             (~/.lmstudio/models, ~/.cache/lm-studio/models), llama.cpp (LLAMA_CACHE, else
             ~/.cache/llama.cpp) and the folders given with --add; whether attnviz opens each, or why not
  export     --model DIR (--text T [--pair P] | --ids 1,2,3) [--mask M]
             [--view head|overview|compare|difference] [--layer L --head H] [--heads l:h,l:h]
             [--source mask|heads] [--colormap viridis|magma|greys] [--range head|shared|fixed]
             [--hide-special] [--steps] [--format png|svg|pdf|csv|json|npy|safetensors] [--scale S]
             [--width W --height H] (-o FILE | --all DIR)
             the figures of the GUI's File > Export, drawn by the same code; --all DIR
             writes every head (--view head) as DIR/<model>-L<l>H<h>.<format>
             npy/safetensors: the float32 probabilities of --view head (--head -1: every head of
             the layer) or --view overview (every head), streamed; safetensors names them
             "attention.<layer>.<head>" with the tokens in its metadata

--model takes a model folder, a .gguf file or a name that `models` lists: the full name
("org/name", "name:tag"), its last part ("bert-base-uncased") or an Ollama name without its
tag (":latest"), when exactly one model matches.
--text-file F reads the text (UTF-8, up to 1 MiB) from a file, wherever --text is taken.
Layers and heads are numbered from 0 everywhere (CLI, GUI, exports).
attention JSON: row = query, column = key; with --scores, masked scores are null.
  "layer_kinds": one per layer, "global" or "local:W" (W = the model's window in tokens);
  "global_tokens": the positions with global attention (Longformer; --global 0,5 chooses
  them, default the first token). A mask override changes the direction and keeps local
  layers local: causal on a symmetric window keeps its left half, bidirectional mirrors a
  causal window; window:N replaces every layer's window.
analyze JSON: {"tokens", "mean_heads" [L][T][T], "rollout" [T][T], "attention_flow" [T][T] (with --flow;
  T^2 maximum flows: seconds at 64 tokens, minutes at 128; else null), "value_norms" [L][H][T][T],
  "head_stats" [{"layer", "head", "entropy", "mean_distance", "sink", "prev_token", "diagonal",
  "induction"}], "formulas" {name: definition}, "induction_seed", "induction_repeat_length",
  "induction_ids"}; undefined statistics are null. --csv prints the head_stats table instead
  (undefined = empty field); --sort STAT orders it by one statistic, largest first.
  Induction runs the model once more on [BOS] + r + r, r = 50 seeded ordinary tokens
  (fewer when the model's position table is shorter).
Every error: exit status 1 and one line on stderr.
)";

}  // namespace

int main(int argc, char** argv) {
    attnviz::core::keepFreedMemoryForReuse();
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    for (const std::string& a : args) {  // `attnviz-cli analyze --help` shows the same page
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
    }
    try {
        if (command == "tokens") return attnviz::cli::runTokens(args);
        if (command == "attention") return attnviz::cli::runAttention(args);
        if (command == "generate") return attnviz::cli::runGenerate(args);
        if (command == "analyze") return attnviz::cli::runAnalyze(args);
        if (command == "explain") return attnviz::cli::runExplain(args);
        if (command == "predict") return attnviz::cli::runPredict(args);
        if (command == "bench") return attnviz::cli::runBench(args);
        if (command == "make-model") return attnviz::cli::runMakeModel(args);
        if (command == "models") return attnviz::cli::runModels(args);
        if (command == "export") {
#ifdef ATTNVIZ_CLI_EXPORT
            return attnviz::cli::runExport(args);
#else
            return attnviz::cli::fail("this attnviz-cli was built without the GUI (ATTNVIZ_BUILD_GUI=OFF): export is not available");
#endif
        }
    } catch (const std::bad_alloc&) {
        return attnviz::cli::fail("out of memory");
    } catch (const std::exception& e) {
        return attnviz::cli::fail(std::string("internal error: ") + e.what());
    }
    return attnviz::cli::fail("unknown command '" + command + "' (see attnviz-cli --help)");
}

namespace attnviz::cli {

namespace {

void printLine(const char* kind, const std::string& message) {
    std::string line = message;
    for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    std::fprintf(stderr, "attnviz-cli: %s: %s\n", kind, line.c_str());
}

}  // namespace

int fail(const std::string& message) {
    printLine("error", message);
    return 1;
}

void warn(const std::string& message) { printLine("warning", message); }

}  // namespace attnviz::cli
