#include "architectures.h"

#include <algorithm>

namespace attnviz::core {

const std::vector<ArchitectureInfo>& architectures() {
    static const std::vector<ArchitectureInfo> table = {
        bertArchitecture(),
        robertaArchitecture(),
        distilBertArchitecture(),
        gpt2Architecture(),
        llamaArchitecture(),
        mistralArchitecture(),
        qwen2Architecture(),
        gemmaArchitecture(),
        gemma2Architecture(),
        phi3Architecture(),
        gptNeoXArchitecture(),
        falconArchitecture(),
        albertArchitecture(),
        electraArchitecture(),
        longformerArchitecture(),
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
