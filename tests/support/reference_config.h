// The config.json fields the reference forward pass needs, read straight from
// the JSON with Hugging Face's field names and defaults. Deliberately not
// core::ModelConfig: a field the engine maps wrongly must not be mapped the
// same wrong way here.
#pragma once

#include "attnviz/core/result.h"

#include <filesystem>
#include <optional>
#include <string>

namespace attnviz::test {

enum class ReferenceFamily { Bert, Gpt2, Llama };

struct ReferenceConfig {
    std::string modelType;  // "bert", "roberta", "xlm-roberta", "distilbert", "gpt2", "llama", "mistral", "qwen2"
    ReferenceFamily family = ReferenceFamily::Llama;

    int nLayers = 0;
    int nHeads = 0;
    int nKvHeads = 0;
    int headDim = 0;
    int dModel = 0;
    int dFF = 0;
    int vocabSize = 0;
    int maxPositions = 0;
    double normEps = 0;
    std::string activation;  // Hugging Face's name: "gelu", "gelu_new", "relu", "silu"
    bool tieWordEmbeddings = true;

    // BERT family
    int typeVocabSize = 0;  // 0: no token-type table (DistilBERT)
    int padTokenId = 0;
    bool robertaPositions = false;  // position ids count from pad + 1, pads keep pad

    // GPT-2
    bool scaleAttnWeights = true;
    bool scaleAttnByInverseLayerIdx = false;

    // Llama family
    double ropeTheta = 10000;
    std::string ropeType = "default";  // "default", "linear", "llama3"
    double ropeFactor = 1;
    double ropeLowFreqFactor = 1;
    double ropeHighFreqFactor = 4;
    double ropeOriginalMaxPositions = 8192;
    bool qkvBias = false;
    bool outputBias = false;
    std::optional<int> slidingWindow;  // keys per query, the query included

    // The longest input: learned position tables bound it, rotary models do not.
    std::optional<int> maxLength() const;
};

core::Result<ReferenceConfig> readReferenceConfig(const std::filesystem::path& configJson);

}  // namespace attnviz::test
