// config.json of an encoder-decoder folder (T5, Flan-T5, BART, Marian) read
// into one typed struct. Encoder and decoder may differ in layer count, head
// count and FFN width; d_model is shared.
#pragma once

#include "attnviz/core/result.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

enum class Seq2SeqArchitecture { T5, Bart, Marian };

// One stack (encoder or decoder).
struct StackConfig {
    int nLayers = 0;
    int nHeads = 0;
    int headDim = 0;  // T5: d_kv (nHeads headDim may differ from dModel); BART/Marian: dModel / nHeads
    int dFF = 0;
};

struct Seq2SeqConfig {
    std::string modelType;  // as in config.json
    Seq2SeqArchitecture architecture = Seq2SeqArchitecture::T5;
    StackConfig encoder;
    StackConfig decoder;
    int dModel = 0;
    int vocabSize = 0;
    double normEps = 1e-5;
    std::string activation;   // "relu", "gelu", "gelu_new", "silu"
    bool gatedFeedForward = false;  // T5 v1.1: act(wi_0 x) * (wi_1 x)
    bool tieWordEmbeddings = true;

    // T5
    int relativeBuckets = 32;
    int relativeMaxDistance = 128;

    // BART / Marian
    int maxPositions = 0;         // learned (BART) or sinusoidal (Marian) table rows
    bool scaleEmbedding = false;  // embeddings x sqrt(dModel)

    int padTokenId = -1;
    int eosTokenId = -1;
    int bosTokenId = -1;
    int decoderStartTokenId = 0;

    // The most source or target tokens a run takes (BART/Marian: the
    // position table; T5: INT_MAX, relative positions have no limit).
    int maxSequenceLength() const;
    // model_type "t5", "bart" or "marian".
    static bool isSeq2SeqType(std::string_view modelType);
    static std::vector<std::string> supportedTypes();

    static Result<Seq2SeqConfig> fromJson(std::string_view json, const std::string& source);
    static Result<Seq2SeqConfig> fromFile(const std::filesystem::path& path);
};

// The model_type of the config.json in `dir` (of the config text), "" when
// it cannot be read.
std::string folderModelType(const std::filesystem::path& dir);
std::string jsonModelType(std::string_view json);

}  // namespace attnviz::core
