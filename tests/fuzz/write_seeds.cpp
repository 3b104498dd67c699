// Writes the seed corpora of the fuzz targets: DIR/<target>/<name>, each a
// small valid file (tiny make-model presets of every architecture, tiny
// tokenizer files of every kind) in the input layout its target expects.
//   attnviz_fuzz_seeds DIR
#include "fuzz_support.h"
#include "tiny_models.h"
#include "tiny_tokenizers.h"

#include "attnviz/core/trace_file.h"
#include "attnviz/core/gguf_model.h"
#include "attnviz/core/random_model.h"

#include <cstdio>
#include <fstream>
#include <iterator>

using namespace attnviz;

namespace {

std::filesystem::path g_root;

void seed(const std::string& target, const std::string& name, std::string_view bytes) {
    const std::filesystem::path dir = g_root / target;
    std::filesystem::create_directories(dir);
    fuzz::writeBytes(dir / name, bytes);
}

// A small valid trace file (2 layers, 2 heads, 4 tokens, even rows under
// the mask) written by core's writer and returned as bytes.
std::string traceBytes(core::DType dtype, core::MaskMode mask, std::vector<core::LayerKind> kinds) {
    core::AttentionTrace t(2, 2, 4, false);
    t.setMask(mask);
    t.setMaskIsModelDefault(true);
    t.setLayers(std::move(kinds), {});
    core::TraceFileHeader h;
    h.producer = "attnviz_fuzz_seeds";
    h.model = "seed";
    h.modelType = "gpt2";
    h.defaultMask = mask;
    for (int i = 0; i < 4; ++i) {
        t.tokenIds.push_back(i + 1);
        core::Token token;
        token.id = i + 1;
        token.display = i == 0 ? "<s>" : "\u2423w" + std::to_string(i);
        token.special = i == 0;
        h.tokens.push_back(token);
    }
    for (int l = 0; l < 2; ++l)
        for (int hd = 0; hd < 2; ++hd)
            for (int q = 0; q < 4; ++q) {
                int n = 0;
                for (int k = 0; k < 4; ++k) n += t.layerMask(l).allows(q, k);
                for (int k = 0; k < 4; ++k) t.probs(l, hd)[q * 4 + k] = t.layerMask(l).allows(q, k) ? 1.0f / n : 0.0f;
            }
    std::filesystem::create_directories(g_root);
    const std::filesystem::path path = g_root / "trace.tmp";
    if (!core::writeTraceFile(path, h, t, dtype)) return {};
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    std::filesystem::remove(path);
    return bytes;
}

// A tiny preset as a GGUF file of `type` (make-model's writer).
std::string ggufBytes(const std::string& preset, core::GgmlType type) {
    const std::filesystem::path path = g_root / "gguf.tmp";
    auto config = core::randomModelConfig(preset);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!config || !f) return {};
    core::RandomModelOptions options;
    const bool ok = bool(core::writeRandomGguf(*config, f, path.string(), options, type));
    std::fclose(f);
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::remove(path);
    return ok ? bytes : std::string();
}

std::string prefixed(std::uint8_t first, std::string_view rest) {
    std::string s(1, static_cast<char>(first));
    s.append(rest);
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    g_root = argv[1];

    const auto& models = fuzz::tinyModels();
    for (std::size_t i = 0; i < models.size(); ++i) {
        const fuzz::TinyModel& m = models[i];
        seed("fuzz_config", m.preset + ".json", m.config);
        if (i % 4 == 0) seed("fuzz_safetensors", m.preset + ".safetensors", m.safetensors);
        seed("fuzz_model_run", m.preset + "-config", prefixed(static_cast<std::uint8_t>(i << 1), m.config));
        seed("fuzz_model_run", m.preset + "-weights", prefixed(static_cast<std::uint8_t>(i << 1 | 1), m.safetensors));
    }
    std::string empty(8, '\0');
    empty[0] = 2;
    seed("fuzz_safetensors", "empty.safetensors", empty + "{}");
    const std::string header = R"({"__metadata__":{"format":"pt"},"a":{"dtype":"BF16","shape":[2,1],"data_offsets":[0,4]}})";
    std::string small(8, '\0');
    small[0] = static_cast<char>(header.size());
    seed("fuzz_safetensors", "bf16.safetensors", small + header + "\x80\x3f\x00\x40");

    seed("fuzz_trace_file", "causal-f32.safetensors",
         traceBytes(core::DType::F32, core::MaskMode::causal(), {core::LayerKind::global(), core::LayerKind::global()}));
    seed("fuzz_trace_file", "window-f16.safetensors",
         traceBytes(core::DType::F16, core::MaskMode::causal(), {core::LayerKind::causalWindow(2), core::LayerKind::global()}));
    seed("fuzz_trace_file", "bidirectional-symmetric.safetensors",
         traceBytes(core::DType::F32, core::MaskMode::bidirectional(),
                    {core::LayerKind::symmetricWindow(2), core::LayerKind::global()}));

    seed("fuzz_gguf", "tiny-llama-q8_0.gguf", ggufBytes("tiny-llama", core::GgmlType::Q8_0));
    seed("fuzz_gguf", "tiny-qwen2-q4_0.gguf", ggufBytes("tiny-qwen2", core::GgmlType::Q4_0));
    seed("fuzz_gguf", "tiny-gpt2-f16.gguf", ggufBytes("tiny-gpt2", core::GgmlType::F16));
    seed("fuzz_gguf", "tiny-bert-f32.gguf", ggufBytes("tiny-bert", core::GgmlType::F32));

    const auto jsons = fuzz::tinyTokenizerJsons();
    for (std::size_t i = 0; i < jsons.size(); ++i) seed("fuzz_tokenizer_json", "tokenizer-" + std::to_string(i) + ".json", jsons[i]);
    seed("fuzz_vocab_txt", "vocab.txt", fuzz::tinyVocabTxt());
    seed("fuzz_bpe_vocab", "vocab-merges", fuzz::tinyVocabJson() + std::string(1, '\0') + fuzz::tinyMerges());
    seed("fuzz_sentencepiece", "unigram.model", fuzz::tinyUnigramModel());
    seed("fuzz_sentencepiece", "bpe-byte-fallback.model", fuzz::tinyBpeByteFallbackModel());

    const auto& tiny = fuzz::tinyTokenizers();
    const auto configs = fuzz::tinyTokenizerConfigs();
    const char* const texts[] = {"Hello world", "hello, World! caf\xc3\xa9 \xe4\xb8\xad 123", "<s>[CLS] a\n\t b</s>"};
    for (std::size_t t = 0; t < tiny.size(); ++t) {
        const auto first = static_cast<std::uint8_t>(t);
        for (std::size_t c = 0; c < configs.size(); ++c)
            seed("fuzz_tokenizer_config", tiny[t].name + "-" + std::to_string(c), prefixed(first, configs[c]));
        for (std::size_t x = 0; x < std::size(texts); ++x)
            seed("fuzz_encode", tiny[t].name + "-" + std::to_string(x), prefixed(first, texts[x]));
        seed("fuzz_encode", tiny[t].name + "-pair", prefixed(first | 0x40, std::string("Hello") + '\0' + "world"));
        seed("fuzz_decode", tiny[t].name + "-bytes", prefixed(first, std::string_view("\x00\x01\x10\x20\x40\x80\xc0\xfe\xff", 9)));
        std::string ids;
        for (std::int32_t id : {0, 1, 2, 5, 17, 260, 300}) {
            for (int b = 0; b < 4; ++b) ids += static_cast<char>((static_cast<std::uint32_t>(id) >> (8 * b)) & 0xFF);
        }
        seed("fuzz_decode", tiny[t].name + "-int32", prefixed(first | 0x80, ids));
    }
    std::printf("seeds written to %s\n", g_root.c_str());
    return 0;
}
