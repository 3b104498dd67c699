#include "architectures.h"

#include "bert_model.h"
#include "gpt2_model.h"
#include "llama_model.h"

#include <algorithm>

namespace attnviz::core {

const std::vector<ArchitectureInfo>& architectures() {
    using A = Architecture;
    using P = PositionScheme;
    static const std::vector<ArchitectureInfo> table = {
        // architecture  model_type values            bidirectional positions   names           tensors       forward
        {A::Bert,       {"bert"},                    true,          P::Learned, bertNames,       bertTensors,  BertModel::create},
        {A::Roberta,    {"roberta", "xlm-roberta"},  true,          P::Learned, robertaNames,    bertTensors,  BertModel::create},
        {A::DistilBert, {"distilbert"},              true,          P::Learned, distilBertNames, bertTensors,  BertModel::create},
        {A::Gpt2,       {"gpt2"},                    false,         P::Learned, gpt2Names,       gpt2Tensors,  Gpt2Model::create},
        {A::Llama,      {"llama"},                   false,         P::Rotary,  llamaNames,      llamaTensors, LlamaModel::create},
        {A::Mistral,    {"mistral"},                 false,         P::Rotary,  llamaNames,      llamaTensors, LlamaModel::create},
        {A::Qwen2,      {"qwen2"},                   false,         P::Rotary,  llamaNames,      llamaTensors, LlamaModel::create},
    };
    return table;
}

const ArchitectureInfo& architectureInfo(Architecture architecture) {
    const auto& all = architectures();
    auto it = std::find_if(all.begin(), all.end(), [&](const ArchitectureInfo& a) { return a.architecture == architecture; });
    return it != all.end() ? *it : all.front();  // every enum value has a row (tests/core/test_architecture_descriptor)
}

const ArchitectureInfo* architectureForModelType(std::string_view modelType) {
    for (const ArchitectureInfo& a : architectures()) {
        if (std::find(a.modelTypes.begin(), a.modelTypes.end(), modelType) != a.modelTypes.end()) return &a;
    }
    return nullptr;
}

}  // namespace attnviz::core
