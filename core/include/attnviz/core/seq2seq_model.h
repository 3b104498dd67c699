// An encoder-decoder transformer (T5, Flan-T5, BART, Marian): the encoder's
// self-attention over the source, the decoder's causal self-attention over
// the target and its cross-attention from target to source, teacher-forced
// or generated token by token with a cache of every layer's keys and values.
//
//   auto model = loadSeq2SeqModel("t5-small");
//   auto trace = (*model)->run(sourceIds, (*model)->teacherForcedInput(labelIds), {});
//   trace->cross.probs(layer, head);   // (targetLen, sourceLen)
#pragma once

#include "attnviz/core/attention_block.h"
#include "attnviz/core/attention_trace.h"
#include "attnviz/core/generation.h"
#include "attnviz/core/mask_mode.h"
#include "attnviz/core/model.h"
#include "attnviz/core/ops.h"
#include "attnviz/core/result.h"
#include "attnviz/core/seq2seq_config.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace attnviz::core {

struct Seq2SeqRunOptions {
    MaskMode encoderMask;  // Default: bidirectional (as trained)
    MaskMode decoderMask;  // Default: causal (as trained)
    bool captureScores = false;  // pre-softmax scores of both self-attentions
    bool captureValueNorms = false;  // ||v_j W_O^h|| of both self-attentions
    bool computeLogits = false;  // the LM head at the decoder positions
    std::vector<int> logitPositions;  // with computeLogits: these decoder positions; empty = all
    // Layers whose attention inputs to keep (layer_capture.h): the encoder's
    // self-attention (in trace.encoder), the decoder's self-attention (in
    // trace.decoder) and its cross-attention (Seq2SeqTrace::crossCapture).
    std::vector<int> captureEncoderLayers;
    std::vector<int> captureDecoderLayers;
    std::vector<int> captureCrossLayers;
    const std::atomic<bool>* cancel = nullptr;  // stop between layers
};

// A teacher-forced run.
struct Seq2SeqTrace {
    AttentionTrace encoder;  // (Le, He, S, S); tokenIds = the source ids
    AttentionTrace decoder;  // (Ld, Hd, T, T); tokenIds = the decoder input; logits here when asked
    AttentionBlock cross;    // (Ld, Hd, T, S)
    // The cross-attention captures asked for, (Ld) or empty; null where not.
    std::vector<std::shared_ptr<const LayerCapture>> crossCaptures;
    const LayerCapture* crossCapture(int layer) const;
};

// Step s: the decoder query at position s (fed decoderIds[s]) emitted
// decoderIds[s + 1].
struct GenerationStep {
    std::int32_t id = 0;           // the emitted token
    std::vector<Candidate> top;    // most probable first
    AttentionBlock self;           // (Ld, Hd, 1, s + 1): the query's self-attention row
    AttentionBlock cross;          // (Ld, Hd, 1, S): its cross-attention row
};

struct Seq2SeqGeneration {
    AttentionTrace encoder;                // (Le, He, S, S)
    std::vector<std::int32_t> decoderIds;  // the start token, then one per step
    std::vector<GenerationStep> steps;
    bool stoppedAtEos = false;
    // The generated ids (decoderIds without the start token).
    std::vector<std::int32_t> newIds() const { return {decoderIds.begin() + 1, decoderIds.end()}; }
};

struct DecoderCache;

class Seq2SeqModel {
public:
    virtual ~Seq2SeqModel() = default;

    const Seq2SeqConfig& config() const { return m_config; }
    const std::string& name() const { return m_name; }
    void setName(std::string name) { m_name = std::move(name); }
    const std::string& weightsSource() const { return m_weightsSource; }
    void setWeightsSource(std::string path) { m_weightsSource = std::move(path); }
    const std::vector<std::string>& loadWarnings() const { return m_loadWarnings; }
    void addLoadWarning(std::string line) { m_loadWarnings.push_back(std::move(line)); }

    // Hugging Face's shift right of `labels` (the target with its special
    // tokens): the decoder start token, then labels without the last one.
    std::vector<std::int32_t> teacherForcedInput(std::span<const std::int32_t> labels) const;

    // Checks the ids and runs the encoder over `source` and the decoder over
    // `decoderInput` (teacher forcing). Thread-safe.
    Result<Seq2SeqTrace> run(std::span<const std::int32_t> source, std::span<const std::int32_t> decoderInput,
                             const Seq2SeqRunOptions& options) const;
    // Generates up to options.maxNewTokens after the decoder start token,
    // stopping after EOS; each step computes one new decoder row against
    // the cached keys and values.
    Result<Seq2SeqGeneration> generate(std::span<const std::int32_t> source, const GenerateOptions& options) const;

protected:
    explicit Seq2SeqModel(Seq2SeqConfig config) : m_config(std::move(config)) {}

    // The encoder over `ids`: writes trace's probabilities (and scores and
    // value norms when the trace has them) and the final hidden states
    // (S, dModel).
    virtual Status encode(std::span<const std::int32_t> ids, const std::atomic<bool>* cancel, AttentionTrace& trace,
                          RowMatrix& hidden) const = 0;
    // Decoder rows for `ids` at positions [cache.length, cache.length + n):
    // self-attention probabilities into `selfProbs` (Ld, Hd, n, length + n),
    // cross-attention into `crossProbs` (Ld, Hd, n, S), scores into
    // `selfScores` when not null; `hidden` (n, dModel) after the final norm;
    // the cache grows by n rows.
    virtual Status decode(std::span<const std::int32_t> ids, DecoderCache& cache, float* selfProbs, float* selfScores,
                          float* crossProbs, RowMatrix& hidden) const = 0;
    // The cache of a decoder that attends to `encoderOut` (S, dModel), with
    // room for `capacity` decoder positions.
    virtual std::unique_ptr<DecoderCache> startDecoder(const RowMatrix& encoderOut, int capacity,
                                                       const LayerMask& selfMask) const = 0;
    // logits (rows, vocab) of decoder hidden states (rows, dModel).
    virtual void logits(const RowMatrix& hidden, RowMatrix& out) const = 0;
    // W_O of decoder layer `layer`'s self-attention (Hd headDim -> dModel).
    virtual const Linear& decoderSelfOutput(int layer) const = 0;

private:
    Status checkIds(std::span<const std::int32_t> ids, const char* what) const;
    // The encoder trace of `source` under `mask` (Default: bidirectional),
    // encoded into `hidden` (S, dModel); NaN or Inf scores are an error.
    Status encodeSource(std::span<const std::int32_t> source, MaskMode mask, bool captureScores, bool captureValueNorms,
                        const std::vector<int>& captureLayers,
                        const std::atomic<bool>* cancel, AttentionTrace& trace, RowMatrix& hidden) const;

    Seq2SeqConfig m_config;
    std::string m_name;
    std::string m_weightsSource;
    std::vector<std::string> m_loadWarnings;
};

// True when `dir` holds an encoder-decoder folder (config.json model_type
// t5, bart or marian).
bool isSeq2SeqFolder(const std::filesystem::path& dir);
// Reads config.json and the safetensors weights of such a folder.
Result<std::unique_ptr<Seq2SeqModel>> loadSeq2SeqModel(const std::filesystem::path& dir,
                                                       const ProgressFn& progress = {});

}  // namespace attnviz::core
