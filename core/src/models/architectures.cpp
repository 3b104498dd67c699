#include "architectures.h"

#include "bert_model.h"
#include "config_reader.h"
#include "gpt2_model.h"
#include "llama_model.h"

#include <algorithm>

namespace attnviz::core {

const std::vector<ArchitectureInfo>& architectures() {
    using A = Architecture;
    using enum PositionScheme;
    static const std::vector<ArchitectureInfo> table = {
        // enum value   model_type                  bidir  position names            tensors       forward            config
        {A::Bert,       {"bert"},                   true,  Learned, bertNames,       bertTensors,  BertModel::create, readBertConfig},
        {A::Roberta,    {"roberta", "xlm-roberta"}, true,  Learned, robertaNames,    bertTensors,  BertModel::create, readBertConfig},
        {A::DistilBert, {"distilbert"},             true,  Learned, distilBertNames, bertTensors,  BertModel::create, readBertConfig},
        {A::Gpt2,       {"gpt2"},                   false, Learned, gpt2Names,       gpt2Tensors,  Gpt2Model::create, readGpt2Config},
        {A::Llama,      {"llama"},                  false, Rotary,  llamaNames,      llamaTensors, LlamaModel::create, readLlamaConfig},
        {A::Mistral,    {"mistral"},                false, Rotary,  llamaNames,      llamaTensors, LlamaModel::create, readLlamaConfig},
        {A::Qwen2,      {"qwen2"},                  false, Rotary,  llamaNames,      llamaTensors, LlamaModel::create, readLlamaConfig},
        modernBertArchitecture(),
        gptNeoArchitecture(),
        optArchitecture(),
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
