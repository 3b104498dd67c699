#include "architecture_tensors.h"

#include "architectures.h"

namespace attnviz::core {
namespace {

using R = TensorRole;
using N = TensorNeed;
using I = TensorInit;
constexpr TensorScope kOnce = TensorScope::Once;
constexpr TensorScope kLayer = TensorScope::PerLayer;

std::vector<TensorSpec> present(std::vector<TensorSpec> specs) {
    std::erase_if(specs, [](const TensorSpec& s) { return s.need == N::Absent; });
    return specs;
}

}  // namespace

std::vector<TensorSpec> bertTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize;
    const N types = c.typeVocabSize > 0 ? N::Required : N::Absent;
    // DistilBERT has no pooler and no second name for the decoder bias.
    const N bertOnly = c.architecture == Architecture::DistilBert ? N::Absent : N::Ignored;
    // The decoder is the word embedding matrix unless untied and stored.
    const N decoder = c.tieWordEmbeddings ? N::Ignored : N::Optional;
    // The masked-LM head is optional (a bare encoder checkpoint has none),
    // but all there when its first tensor is.
    const R head = R::MlmTransformWeight;
    return present({
        // role                 scope   shape                  need        init         all there with
        {R::TokenEmbedding,     kOnce,  {v, d},                N::Required, I::Weight},
        {R::PositionEmbedding,  kOnce,  {c.maxPositions, d},   N::Required, I::Weight},
        {R::TypeEmbedding,      kOnce,  {c.typeVocabSize, d},  types,       I::Weight},
        {R::EmbedNormWeight,    kOnce,  {d},                   N::Required, I::Gain},
        {R::EmbedNormBias,      kOnce,  {d},                   N::Required, I::Bias},
        {R::PositionIds,        kOnce,  {},                    N::Ignored,  I::None},
        {R::AttnQWeight,        kLayer, {d, d},                N::Required, I::QkWeight},
        {R::AttnQBias,          kLayer, {d},                   N::Required, I::Bias},
        {R::AttnKWeight,        kLayer, {d, d},                N::Required, I::QkWeight},
        {R::AttnKBias,          kLayer, {d},                   N::Required, I::Bias},
        {R::AttnVWeight,        kLayer, {d, d},                N::Required, I::Weight},
        {R::AttnVBias,          kLayer, {d},                   N::Required, I::Bias},
        {R::AttnOutWeight,      kLayer, {d, d},                N::Required, I::Weight},
        {R::AttnOutBias,        kLayer, {d},                   N::Required, I::Bias},
        {R::AttnOutNormWeight,  kLayer, {d},                   N::Required, I::Gain},
        {R::AttnOutNormBias,    kLayer, {d},                   N::Required, I::Bias},
        {R::FfnUpWeight,        kLayer, {f, d},                N::Required, I::Weight},
        {R::FfnUpBias,          kLayer, {f},                   N::Required, I::Bias},
        {R::FfnDownWeight,      kLayer, {d, f},                N::Required, I::Weight},
        {R::FfnDownBias,        kLayer, {d},                   N::Required, I::Bias},
        {R::FfnOutNormWeight,   kLayer, {d},                   N::Required, I::Gain},
        {R::FfnOutNormBias,     kLayer, {d},                   N::Required, I::Bias},
        {R::PoolerWeight,       kOnce,  {},                    bertOnly,    I::None},
        {R::PoolerBias,         kOnce,  {},                    bertOnly,    I::None},
        {R::MlmTransformWeight, kOnce,  {d, d},                N::Optional, I::Weight},
        {R::MlmTransformBias,   kOnce,  {d},                   N::Required, I::Bias,     head},
        {R::MlmNormWeight,      kOnce,  {d},                   N::Required, I::Gain,     head},
        {R::MlmNormBias,        kOnce,  {d},                   N::Required, I::Bias,     head},
        {R::LmHeadWeight,       kOnce,  {v, d},                decoder,     I::None,     head},
        {R::LmHeadBias,         kOnce,  {v},                   N::Required, I::Bias,     head},
        {R::LmHeadBiasCopy,     kOnce,  {},                    bertOnly,    I::None},
    });
}

std::vector<TensorSpec> gpt2Tensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize;
    // Conv1D weights are stored (in, out). The LM head is wte unless untied
    // and stored.
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Optional;
    return present({
        // role                 scope   shape                  need         init
        {R::TokenEmbedding,     kOnce,  {v, d},                N::Required, I::Weight},
        {R::PositionEmbedding,  kOnce,  {c.maxPositions, d},   N::Required, I::Weight},
        {R::AttnNormWeight,     kLayer, {d},                   N::Required, I::Gain},
        {R::AttnNormBias,       kLayer, {d},                   N::Required, I::Bias},
        {R::AttnQkvWeight,      kLayer, {d, 3 * d},            N::Required, I::Weight},
        {R::AttnQkvBias,        kLayer, {3 * d},               N::Required, I::Bias},
        {R::AttnOutWeight,      kLayer, {d, d},                N::Required, I::Weight},
        {R::AttnOutBias,        kLayer, {d},                   N::Required, I::Bias},
        {R::FfnNormWeight,      kLayer, {d},                   N::Required, I::Gain},
        {R::FfnNormBias,        kLayer, {d},                   N::Required, I::Bias},
        {R::FfnUpWeight,        kLayer, {d, f},                N::Required, I::Weight},
        {R::FfnUpBias,          kLayer, {f},                   N::Required, I::Bias},
        {R::FfnDownWeight,      kLayer, {f, d},                N::Required, I::Weight},
        {R::FfnDownBias,        kLayer, {d},                   N::Required, I::Bias},
        {R::AttnCausalMask,     kLayer, {},                    N::Ignored,  I::None},
        {R::AttnMaskedBias,     kLayer, {},                    N::Ignored,  I::None},
        {R::FinalNormWeight,    kOnce,  {d},                   N::Required, I::Gain},
        {R::FinalNormBias,      kOnce,  {d},                   N::Required, I::Bias},
        {R::LmHeadWeight,       kOnce,  {v, d},                lmHead,      I::None},
    });
}

std::vector<TensorSpec> llamaTensors(const ModelConfig& c) {
    const std::int64_t d = c.dModel, f = c.dFF, v = c.vocabSize;
    const std::int64_t q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t kv = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
    const N qkvBias = c.qkvBias ? N::Required : N::Absent;
    const N outBias = c.outputBias ? N::Required : N::Absent;
    const N lmHead = c.tieWordEmbeddings ? N::Ignored : N::Required;
    return present({
        // role                 scope   shape       need         init
        {R::TokenEmbedding,     kOnce,  {v, d},     N::Required, I::Weight},
        {R::AttnNormWeight,     kLayer, {d},        N::Required, I::Gain},
        {R::AttnQWeight,        kLayer, {q, d},     N::Required, I::QkWeight},
        {R::AttnKWeight,        kLayer, {kv, d},    N::Required, I::QkWeight},
        {R::AttnVWeight,        kLayer, {kv, d},    N::Required, I::Weight},
        {R::AttnQBias,          kLayer, {q},        qkvBias,     I::Bias},
        {R::AttnKBias,          kLayer, {kv},       qkvBias,     I::Bias},
        {R::AttnVBias,          kLayer, {kv},       qkvBias,     I::Bias},
        {R::AttnOutWeight,      kLayer, {d, q},     N::Required, I::Weight},
        {R::AttnOutBias,        kLayer, {d},        outBias,     I::Bias},
        {R::FfnNormWeight,      kLayer, {d},        N::Required, I::Gain},
        {R::FfnGateWeight,      kLayer, {f, d},     N::Required, I::Weight},
        {R::FfnUpWeight,        kLayer, {f, d},     N::Required, I::Weight},
        {R::FfnDownWeight,      kLayer, {d, f},     N::Required, I::Weight},
        {R::RotaryInvFreq,      kLayer, {},         N::Ignored,  I::None},
        {R::FinalNormWeight,    kOnce,  {d},        N::Required, I::Gain},
        {R::LmHeadWeight,       kOnce,  {v, d},     lmHead,      I::Weight},
    });
}

std::vector<TensorSpec> architectureTensors(const ModelConfig& c) {
    return architectureInfo(c.architecture).tensors(c);
}

std::vector<TensorSlot> expandTensors(const std::vector<TensorSpec>& specs, int nLayers) {
    std::vector<TensorSlot> slots;
    for (std::size_t i = 0; i < specs.size();) {
        if (specs[i].scope == kOnce) {
            slots.push_back({&specs[i], -1});
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < specs.size() && specs[end].scope == kLayer) ++end;
        for (int l = 0; l < nLayers; ++l) {
            for (std::size_t k = i; k < end; ++k) {
                if (l >= specs[k].fromLayer) slots.push_back({&specs[k], l});
            }
        }
        i = end;
    }
    return slots;
}

}  // namespace attnviz::core
