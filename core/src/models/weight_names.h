// Hugging Face tensor names, one table per architecture, and a binder that
// resolves them against a WeightStore with shape checks. These tables are the
// only place where file names of tensors appear.
#pragma once

#include "attnviz/core/model_config.h"
#include "attnviz/core/result.h"
#include "attnviz/core/weight_store.h"

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace attnviz::core {

enum class TensorRole {
    TokenEmbedding, PositionEmbedding, TypeEmbedding, EmbedNormWeight, EmbedNormBias,
    AttnNormWeight, AttnNormBias,            // pre-LN models: before attention
    AttnQWeight, AttnQBias, AttnKWeight, AttnKBias, AttnVWeight, AttnVBias,
    AttnQkvWeight, AttnQkvBias,              // GPT-2 fused c_attn
    AttnOutWeight, AttnOutBias,
    AttnOutNormWeight, AttnOutNormBias,      // post-LN models: after attention
    FfnNormWeight, FfnNormBias,              // pre-LN models: before the FFN
    FfnUpWeight, FfnUpBias, FfnGateWeight, FfnDownWeight, FfnDownBias,
    FfnOutNormWeight, FfnOutNormBias,        // post-LN models: after the FFN
    FinalNormWeight, FinalNormBias,
    LmHeadWeight, LmHeadBias,
    MlmTransformWeight, MlmTransformBias, MlmNormWeight, MlmNormBias,
};

struct WeightNameTable {
    std::vector<std::string> bodyPrefixes;          // tried in order, e.g. "bert.", ""
    std::map<TensorRole, std::string> body;         // "{L}" stands for the layer index
    std::map<TensorRole, std::string> head;         // full names, no prefix
};

const WeightNameTable& weightNameTable(Architecture architecture);

class TensorBinder {
public:
    // Detects the body prefix from the token-embedding tensor.
    static Result<TensorBinder> create(WeightStore& store, Architecture architecture);

    std::string name(TensorRole role, int layer = -1) const;
    bool has(TensorRole role, int layer = -1) const;
    Result<const float*> get(TensorRole role, int layer, std::initializer_list<std::int64_t> shape) const;
    Result<const float*> get(TensorRole role, std::initializer_list<std::int64_t> shape) const {
        return get(role, -1, shape);
    }

private:
    TensorBinder(WeightStore& store, const WeightNameTable& table, std::string prefix)
        : m_store(&store), m_table(&table), m_prefix(std::move(prefix)) {}

    WeightStore* m_store;
    const WeightNameTable* m_table;
    std::string m_prefix;
};

}  // namespace attnviz::core
