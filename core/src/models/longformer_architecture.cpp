// Longformer (LongformerForMaskedLM, LongformerModel): RoBERTa's embeddings
// (positions pad_token_id + 1 + i), post-LN layers and LM head, with local
// attention in every layer (attention_window[l] keys wide, half to each
// side) plus global attention on chosen tokens (RunOptions::globalTokens,
// token 0 by default) through separate projections. BertModel runs it; the
// global rows are longformer_model.cpp's.
#include "architectures.h"
#include "bert_model.h"
#include "config_reader.h"

#include <algorithm>

namespace attnviz::core {
namespace {

using namespace tensor_table;

const WeightNameTable& longformerNames() {
    static const WeightNameTable t = [] {
        WeightNameTable n = bertBodyNames("longformer.");
        const std::string self = "encoder.layer.{L}.attention.self.";
        n.body[R::AttnQGlobalWeight] = self + "query_global.weight";
        n.body[R::AttnQGlobalBias] = self + "query_global.bias";
        n.body[R::AttnKGlobalWeight] = self + "key_global.weight";
        n.body[R::AttnKGlobalBias] = self + "key_global.bias";
        n.body[R::AttnVGlobalWeight] = self + "value_global.weight";
        n.body[R::AttnVGlobalBias] = self + "value_global.bias";
        n.head = robertaHeadNames();
        return n;
    }();
    return t;
}

std::vector<TensorSpec> longformerTensors(const ModelConfig& c) {
    // BERT's list (RoBERTa's head names) plus the projections of global
    // attention after each layer's value.
    std::vector<TensorSpec> specs = bertTensors(c);
    const std::int64_t d = c.dModel;
    auto afterValue = std::find_if(specs.begin(), specs.end(), [](const TensorSpec& s) { return s.role == R::AttnVBias; });
    specs.insert(afterValue + 1, {
        // role                scope   shape   need         init
        {R::AttnQGlobalWeight, kLayer, {d, d}, N::Required, I::QkWeight},
        {R::AttnQGlobalBias,   kLayer, {d},    N::Required, I::Bias},
        {R::AttnKGlobalWeight, kLayer, {d, d}, N::Required, I::QkWeight},
        {R::AttnKGlobalBias,   kLayer, {d},    N::Required, I::Bias},
        {R::AttnVGlobalWeight, kLayer, {d, d}, N::Required, I::Weight},
        {R::AttnVGlobalBias,   kLayer, {d},    N::Required, I::Bias},
    });
    return specs;
}

// attention_window: one even width for every layer, or one per layer.
std::vector<int> readAttentionWindows(const nlohmann::json& j, ConfigReader& r, int nLayers) {
    std::vector<int> windows;
    const auto it = j.find("attention_window");
    if (it == j.end() || it->is_null()) {
        windows.assign(static_cast<std::size_t>(nLayers), 512);  // LongformerConfig's default
    } else if (it->is_number_integer()) {
        windows.assign(static_cast<std::size_t>(nLayers), it->get<int>());
    } else if (it->is_array() && std::all_of(it->begin(), it->end(), [](const auto& w) { return w.is_number_integer(); })) {
        for (const auto& w : *it) windows.push_back(w.get<int>());
        if (static_cast<int>(windows.size()) != nLayers) {
            r.fail("attention_window lists " + std::to_string(windows.size()) +
                   (windows.size() == 1 ? " window" : " windows") + " for " + std::to_string(nLayers) +
                   " layers (num_hidden_layers)");
            return {};
        }
    } else {
        r.fail("field \"attention_window\" must be an integer or a list of integers");
        return {};
    }
    for (int w : windows) {
        if (w <= 0 || w % 2 != 0 || w > (1 << 20)) {
            r.fail("attention_window must be positive and even, got " + std::to_string(w));
            return {};
        }
    }
    return windows;
}

void readLongformerConfig(const nlohmann::json& j, ConfigReader& r, ModelConfig& c) {
    readBertEncoderConfig(r, c, "gelu", 1);
    c.positionOffset = c.padTokenId + 1;  // RoBERTa's position ids
    if (c.typeVocabSize <= 0) r.fail("type_vocab_size must be positive");
    if (c.padTokenId < 0) r.fail("pad_token_id must not be negative");
    r.requireOneOf("hidden_act", c.activation, {"gelu", "gelu_new", "relu"});
    // Every layer is local (attention_window[l] wide, symmetric) and the
    // global tokens see and are seen by every key.
    for (int w : readAttentionWindows(j, r, std::max(c.nLayers, 0))) c.layerKinds.push_back(LayerKind::symmetricWindow(w));
    c.globalAttention = true;
}

}  // namespace

ArchitectureInfo longformerArchitecture() {
    return {
        Architecture::Longformer, {"longformer"}, true, PositionScheme::Learned, longformerNames, longformerTensors,
        BertModel::create, readLongformerConfig,
        {
            // Windows of 4 and 8 tokens (2 and 4 to each side): the band shows at
            // T = 17. (Hugging Face needs the largest window to be a multiple of
            // each layer's.)
            {"tiny-longformer", R"({"model_type":"longformer","architectures":["LongformerForMaskedLM"],"attention_window":[4,8],"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":16,"hidden_act":"gelu","max_position_embeddings":66,"type_vocab_size":1,"layer_norm_eps":1e-05,"vocab_size":50,"pad_token_id":1,"bos_token_id":0,"eos_token_id":2})"},
            // allenai/longformer-base-4096
            {"longformer-base-4096", R"({"model_type":"longformer","architectures":["LongformerForMaskedLM"],"attention_window":[512,512,512,512,512,512,512,512,512,512,512,512],"hidden_size":768,"num_hidden_layers":12,"num_attention_heads":12,"intermediate_size":3072,"hidden_act":"gelu","max_position_embeddings":4098,"type_vocab_size":1,"layer_norm_eps":1e-05,"vocab_size":50265,"pad_token_id":1,"bos_token_id":0,"eos_token_id":2,"sep_token_id":2})"},
        },
    };
}

}  // namespace attnviz::core
