#include "architectures.h"

#include "bert_model.h"
#include "gpt2_model.h"
#include "llama_model.h"

#include <algorithm>

namespace attnviz::core {

const std::vector<ArchitectureInfo>& architectures() {
    using A = Architecture;
    using enum PositionScheme;
    static const std::vector<ArchitectureInfo> table = {
        // enum value   model_type                  bidir  position names            tensors       forward
        {A::Bert,       {"bert"},                   true,  Learned, bertNames,       bertTensors,  BertModel::create},
        {A::Roberta,    {"roberta", "xlm-roberta"}, true,  Learned, robertaNames,    bertTensors,  BertModel::create},
        {A::DistilBert, {"distilbert"},             true,  Learned, distilBertNames, bertTensors,  BertModel::create},
        {A::Gpt2,       {"gpt2"},                   false, Learned, gpt2Names,       gpt2Tensors,  Gpt2Model::create},
        {A::Llama,      {"llama"},                  false, Rotary,  llamaNames,      llamaTensors, LlamaModel::create},
        {A::Mistral,    {"mistral"},                false, Rotary,  llamaNames,      llamaTensors, LlamaModel::create},
        {A::Qwen2,      {"qwen2"},                  false, Rotary,  llamaNames,      llamaTensors, LlamaModel::create},
    };
    return table;
}

const ArchitectureInfo& architectureInfo(Architecture architecture) {
    const auto& all = architectures();
    auto it = std::find_if(all.begin(), all.end(),
                           [&](const ArchitectureInfo& a) { return a.architecture == architecture; });
    // Every enum value has a row (tests/core/test_architecture_descriptor checks).
    return it != all.end() ? *it : all.front();
}

const ArchitectureInfo* architectureForModelType(std::string_view modelType) {
    for (const ArchitectureInfo& a : architectures()) {
        if (std::find(a.modelTypes.begin(), a.modelTypes.end(), modelType) != a.modelTypes.end()) return &a;
    }
    return nullptr;
}

}  // namespace attnviz::core
