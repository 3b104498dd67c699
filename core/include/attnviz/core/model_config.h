// config.json of a Hugging Face model folder, read into one typed struct.
// Field names differ per family (hidden_size / n_embd / dim ...); they are
// mapped here and nowhere else.
#pragma once

#include "attnviz/core/layer_mask.h"
#include "attnviz/core/result.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

// Each has one row in core/src/models/architectures.cpp (model_type names,
// mask, positions, tensors, forward pass).
enum class Architecture {
    Bert, Roberta, DistilBert, Gpt2, Llama, Mistral, Qwen2,
    Gemma, Gemma2, Phi3,
    GptNeoX, Falcon,
    Albert, Electra, Longformer,
    ModernBert, GptNeo, Opt,
};

// Rotary position embedding scaling (config "rope_scaling").
struct RopeScaling {
    enum class Type { None, Linear, Llama3 };
    Type type = Type::None;
    double factor = 1.0;
    double lowFreqFactor = 1.0;           // llama3
    double highFreqFactor = 4.0;          // llama3
    double originalMaxPositions = 8192;   // llama3
};

struct ModelConfig {
    std::string modelType;  // as in config.json
    Architecture architecture = Architecture::Llama;

    int nLayers = 0;
    int nHeads = 0;
    int nKvHeads = 0;
    int headDim = 0;
    int dModel = 0;
    int dFF = 0;
    int vocabSize = 0;
    int maxPositions = 0;
    int typeVocabSize = 0;   // BERT-family token types (0: none)
    double normEps = 1e-5;
    std::string activation;  // "gelu", "gelu_new", "silu", ...
    bool tieWordEmbeddings = true;

    // Llama family
    double ropeTheta = 10000.0;
    RopeScaling ropeScaling;
    std::optional<int> slidingWindow;  // keys visible per query, incl. itself
    // One per layer when some layers are local; empty when all are global.
    std::vector<LayerKind> layerKinds;
    // Longformer: some tokens attend to, and are attended by, every token.
    bool globalAttention = false;
    bool qkvBias = false;
    bool outputBias = false;
    bool mlpBias = false;

    // Gemma 2 (0 = off)
    double queryPreAttnScalar = 0.0;  // scores scaled by its ^-0.5 instead of headDim^-0.5
    double attnLogitSoftcap = 0.0;    // scores = cap tanh(scores / cap) before the mask
    double finalLogitSoftcap = 0.0;   // logits = cap tanh(logits / cap)

    // GPT-2
    bool scaleAttnWeights = true;           // divide scores by sqrt(headDim)
    bool scaleAttnByInverseLayerIdx = false;  // and by (layer + 1)

    // BERT family
    int padTokenId = -1;
    int positionOffset = 0;  // RoBERTa: positions start at pad id + 1
    // ALBERT, ELECTRA: width of the word/position/type tables; a Linear maps
    // it to dModel before the first layer when it differs (0: dModel).
    int embeddingSize = 0;

    // GPT-NeoX (Pythia)
    int rotaryDims = 0;             // leading dims of each head that RoPE rotates (rotary_pct); the rest pass through
    bool parallelResidual = false;  // use_parallel_residual: x + attn(ln1(x)) + mlp(ln2(x))

    int bosTokenId = -1;
    int eosTokenId = -1;

    // ModernBERT (ropeTheta is the global layers' theta; qkvBias/outputBias =
    // attention_bias, mlpBias = mlp_bias)
    double localRopeTheta = 10000.0;  // local_rope_theta: the local layers' theta
    bool normBias = true;             // norm_bias: every LayerNorm has a bias
    bool headDenseBias = true;        // classifier_bias: the MLM head's dense layer has a bias
    bool decoderBias = true;          // decoder_bias: the vocabulary projection has a bias
    std::string headActivation;       // classifier_activation of the MLM head

    // OPT (positionOffset = 2; qkvBias/outputBias/mlpBias = enable_bias)
    int wordEmbedProjDim = 0;         // word_embed_proj_dim: width of embed_tokens and lm_head
    bool preLayerNorm = true;         // do_layer_norm_before: pre-LN (else post-LN)
    bool finalLayerNorm = true;       // decoder.final_layer_norm is applied (pre-LN, not removed)

    bool isEncoder() const;  // bidirectional by training
    // Layer l's kind: global unless layerKinds says otherwise.
    LayerKind layerKind(int layer) const;
    // Every layer's kind, nLayers entries.
    std::vector<LayerKind> allLayerKinds() const;
    // The most tokens a run takes: learned position tables (BERT family,
    // GPT-2) bound it; rotary models have no hard limit (INT_MAX).
    int maxSequenceLength() const;
    static std::vector<std::string> supportedTypes();

    static Result<ModelConfig> fromJson(std::string_view json, const std::string& source);
    static Result<ModelConfig> fromFile(const std::filesystem::path& path);
};

}  // namespace attnviz::core
