// Random models written as GGUF files, laid out as llama.cpp's converter
// lays out the same Hugging Face tensors (the inverse of gguf_model.cpp's
// mapping): for tests that compare a GGUF file with its safetensors twin,
// and for benchmarks at real sizes and quantisations.
#include "attnviz/core/gguf_model.h"

#include "gguf_architectures.h"
#include "gguf_quant_mix.h"
#include "gguf_rope_freqs.h"
#include "gguf_row_order.h"
#include "gguf_writer.h"
#include "../models/architectures.h"
#include "../models/random_weights.h"

#include <map>
#include <set>

namespace attnviz::core {
namespace {

struct Target {
    std::string gguf;
    GgufRowOrder order;
    float add;
};

Status metadataFor(const ModelConfig& c, const std::string& arch, GgufFileType fileType, GgufMetadataWriter& m) {
    m.string("general.architecture", arch);
    m.string("general.name", "attnviz random " + c.modelType);
    m.u32("general.file_type", static_cast<std::uint32_t>(fileType));
    const auto u = [](int v) { return static_cast<std::uint32_t>(v); };
    m.u32(arch + ".block_count", u(c.nLayers));
    m.u32(arch + ".embedding_length", u(c.dModel));
    m.u32(arch + ".feed_forward_length", u(c.dFF));
    m.u32(arch + ".attention.head_count", u(c.nHeads));
    m.u32(arch + ".context_length", u(c.maxPositions));
    if (arch == "gpt2") {
        m.f32(arch + ".attention.layer_norm_epsilon", static_cast<float>(c.normEps));
        return Status::success();
    }
    if (arch == "bert") {  // BertModel in convert_hf_to_gguf.py
        m.f32(arch + ".attention.layer_norm_epsilon", static_cast<float>(c.normEps));
        m.boolean(arch + ".attention.causal", false);
        m.u32("tokenizer.ggml.token_type_count", u(c.typeVocabSize));
        m.u32("tokenizer.ggml.padding_token_id", u(c.padTokenId));
        return Status::success();
    }
    if (arch == "gptneox") {
        m.f32(arch + ".attention.layer_norm_epsilon", static_cast<float>(c.normEps));
        m.u32(arch + ".rope.dimension_count", u(c.rotaryDims));
        m.f32(arch + ".rope.freq_base", static_cast<float>(c.ropeTheta));
        m.boolean(arch + ".use_parallel_residual", c.parallelResidual);
        return Status::success();
    }
    m.u32(arch + ".attention.head_count_kv", u(c.nKvHeads));
    m.u32(arch + ".attention.key_length", u(c.headDim));
    m.u32(arch + ".attention.value_length", u(c.headDim));
    m.u32(arch + ".rope.dimension_count", u(c.headDim));
    m.f32(arch + ".rope.freq_base", static_cast<float>(c.ropeTheta));
    m.f32(arch + ".attention.layer_norm_rms_epsilon", static_cast<float>(c.normEps));
    if (c.ropeScaling.type == RopeScaling::Type::Linear) {
        m.string(arch + ".rope.scaling.type", "linear");
        m.f32(arch + ".rope.scaling.factor", static_cast<float>(c.ropeScaling.factor));
    }
    if (arch == "gemma2") {
        const double expected = c.nLayers == 46 ? double(c.dModel / c.nHeads) : double(c.headDim);
        if (c.queryPreAttnScalar != expected) {
            return makeError(ErrorCode::Unsupported, "GGUF has no query_pre_attn_scalar; llama.cpp uses " +
                                                         std::to_string(expected) + " for this shape, the config " +
                                                         std::to_string(c.queryPreAttnScalar));
        }
        m.f32(arch + ".attn_logit_softcapping", static_cast<float>(c.attnLogitSoftcap));
        m.f32(arch + ".final_logit_softcapping", static_cast<float>(c.finalLogitSoftcap));
        m.u32(arch + ".attention.sliding_window", u(c.slidingWindow.value_or(0)));
    }
    if (arch == "phi3") m.u32(arch + ".attention.sliding_window", u(c.slidingWindow.value_or(0)));
    return Status::success();
}

}  // namespace

Status writeRandomGguf(const std::string& configJson, std::FILE* out, const std::string& name,
                       const RandomModelOptions& options, GgmlType type) {
    if (type != GgmlType::F32 && ggufFileTypeOf(type) == GgufFileType::AllF32) {
        return makeError(ErrorCode::Unsupported, "GGUF files of only " + std::string(ggmlTypeInfo(type).name) +
                                                     " tensors are not written; use a file type (Q4_K_M, ...)");
    }
    return writeRandomGguf(configJson, out, name, options, ggufFileTypeOf(type));
}

Status writeRandomGguf(const std::string& configJson, std::FILE* out, const std::string& name,
                       const RandomModelOptions& options, GgufFileType fileType) {
    auto config = ModelConfig::fromJson(configJson, "the model config");
    if (!config) return config.takeError();
    const ModelConfig& c = *config;
    const GgufArchitecture* arch = findGgufArchitecture(c.modelType == "gpt_neox" ? "gptneox" : c.modelType);
    if (!arch || (c.modelType == "llama" && c.slidingWindow)) {
        return makeError(ErrorCode::Unsupported, "model_type " + c.modelType + " is not written as GGUF");
    }
    GgufMetadataWriter metadata;
    if (Status st = metadataFor(c, arch->name, fileType, metadata); !st) return st;

    const WeightNameTable& names = weightNameTable(c.architecture);
    std::map<std::string, Target> targets;
    std::set<std::string> dropped;  // left out, as the converter leaves them out
    for (TensorRole role : arch->dropped) {
        const bool perLayer = [&] {
            auto it = names.body.find(role);
            return it != names.body.end() && it->second.find("{L}") != std::string::npos;
        }();
        for (int l = 0; l < (perLayer ? c.nLayers : 1); ++l) {
            const std::string hf = tensorName(names, names.bodyPrefixes.front(), role, perLayer ? l : -1);
            if (!hf.empty()) dropped.insert(hf);
        }
    }
    for (const auto& [role, spec] : arch->tensors) {
        const bool perLayer = spec.gguf.find("{L}") != std::string::npos;
        for (int l = 0; l < (perLayer ? c.nLayers : 1); ++l) {
            const std::string hf = tensorName(names, names.bodyPrefixes.front(), role, perLayer ? l : -1);
            std::string gguf = spec.gguf;
            if (perLayer) gguf.replace(gguf.find("{L}"), 3, std::to_string(l));
            if (!hf.empty()) targets[hf] = {gguf, spec.order, -spec.addToValues};
        }
    }
    return randomWeights(c, options, [&](const std::vector<SafetensorsWriter::Entry>& entries,
                                         const SafetensorsWriter::Filler& fill) -> Status {
        std::vector<GgufTensorToWrite> tensors;
        std::vector<const Target*> how;
        std::vector<std::vector<std::int64_t>> shapes;
        bool hasOutput = false;
        for (const auto& e : entries) {
            auto it = targets.find(e.name);
            if (it != targets.end() && it->second.gguf == "output.weight") hasOutput = true;
        }
        std::vector<std::size_t> source;  // entry index of each tensor written
        for (std::size_t k = 0; k < entries.size(); ++k) {
            const auto& e = entries[k];
            if (dropped.count(e.name)) continue;
            auto it = targets.find(e.name);
            if (it == targets.end()) {
                return makeError(ErrorCode::Unsupported, "tensor '" + e.name + "' has no GGUF name for " + arch->name);
            }
            GgufTensorToWrite t;
            t.name = it->second.gguf;
            for (auto d = e.shape.rbegin(); d != e.shape.rend(); ++d) t.ne.push_back(static_cast<std::uint64_t>(*d));
            if (it->second.order == GgufRowOrder::Transposed) std::reverse(t.ne.begin(), t.ne.end());
            // llama.cpp keeps 1-D tensors (norms, biases), position and token type tables in F32.
            t.type = ggufTensorType(fileType, t.name, t.ne, c.nLayers, hasOutput);
            tensors.push_back(t);
            how.push_back(&it->second);
            shapes.push_back(e.shape);
            source.push_back(k);
        }
        std::vector<double> ropeFreqs;
        if (c.ropeScaling.type == RopeScaling::Type::Llama3) {
            ropeFreqs = llama3RopeDivisors(c.ropeTheta, c.headDim, c.ropeScaling.factor, c.ropeScaling.lowFreqFactor,
                                           c.ropeScaling.highFreqFactor, c.ropeScaling.originalMaxPositions);
            tensors.push_back({"rope_freqs.weight", {ropeFreqs.size()}, GgmlType::F32});
        }
        std::vector<float> hf;
        std::size_t nextEntry = 0;
        return writeGguf(out, name, metadata, tensors, [&](std::size_t i, std::vector<float>& values) {
            if (i >= how.size()) {  // rope_freqs
                for (std::size_t k = 0; k < values.size(); ++k) values[k] = static_cast<float>(ropeFreqs[k]);
                return;
            }
            hf.assign(values.size(), 0.0f);
            // The values come from one seeded stream in entry order: a
            // dropped entry before this one still draws its share.
            for (; nextEntry < source[i]; ++nextEntry) {
                std::uint64_t n = 1;
                for (auto d : entries[nextEntry].shape) n *= static_cast<std::uint64_t>(d);
                std::vector<float> skipped(n);
                fill(nextEntry, skipped);
            }
            fill(source[i], hf);
            nextEntry = source[i] + 1;
            const Target& t = *how[i];
            const auto& shape = shapes[i];
            const std::uint64_t rows = static_cast<std::uint64_t>(shape[0]);
            const std::uint64_t rowLen = shape.size() == 2 ? static_cast<std::uint64_t>(shape[1]) : 1;
            if (t.order == GgufRowOrder::LlamaRope || t.order == GgufRowOrder::NeoxQkv) {
                const bool kv = tensors[i].name.find("attn_k") != std::string::npos;
                reorderRows(t.order, hf.data(), values.data(), rows, rowLen,
                            static_cast<std::uint64_t>(kv ? c.nKvHeads : c.nHeads), false);
            } else if (t.order == GgufRowOrder::Transposed && shape.size() == 2) {
                for (std::uint64_t r = 0; r < rows; ++r)  // HF (in, out) -> GGUF rows (out, in)
                    for (std::uint64_t k = 0; k < rowLen; ++k) values[k * rows + r] = hf[r * rowLen + k];
            } else {
                values = hf;
            }
            if (t.add != 0.0f) {
                for (float& v : values) v += t.add;
            }
        });
    });
}

}  // namespace attnviz::core
