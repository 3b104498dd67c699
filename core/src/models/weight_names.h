// Hugging Face tensor names, one table per architecture. These tables are the
// only place where file names of tensors appear.
#pragma once

#include "attnviz/core/model_config.h"

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
    FfnGateUpWeight,                         // fused [gate | up] rows (Phi-3 gate_up_proj)
    EmbedProjectWeight, EmbedProjectBias,    // ALBERT, ELECTRA: embeddings (width E) -> dModel
    AttnQGlobalWeight, AttnQGlobalBias,      // Longformer: query of the global tokens
    AttnKGlobalWeight, AttnKGlobalBias,      // Longformer: keys seen by the global tokens
    AttnVGlobalWeight, AttnVGlobalBias,      // Longformer: values seen by the global tokens
    ProjectInWeight,                         // OPT project_in: word_embed_proj_dim -> dModel
    ProjectOutWeight,                        // OPT project_out: dModel -> word_embed_proj_dim
    // Stored by some checkpoints, never read: buffers, parts we do not run,
    // copies of tied tensors.
    PositionIds, PoolerWeight, PoolerBias, LmHeadBiasCopy, AttnCausalMask, AttnMaskedBias, RotaryInvFreq,
    DiscriminatorDenseWeight, DiscriminatorDenseBias, DiscriminatorOutWeight, DiscriminatorOutBias,  // ELECTRA
};

struct WeightNameTable {
    std::vector<std::string> bodyPrefixes;          // tried in order, e.g. "bert.", ""
    std::map<TensorRole, std::string> body;         // "{L}" stands for the layer index
    std::map<TensorRole, std::string> head;         // full names, no prefix
};

const WeightNameTable& bertNames();
const WeightNameTable& robertaNames();
const WeightNameTable& distilBertNames();
const WeightNameTable& gpt2Names();
const WeightNameTable& llamaNames();  // also Mistral and Qwen2
// BERT's body names (embeddings.*, encoder.layer.{L}.*, pooler.*) after
// `prefix` ("bert.", "electra.", "longformer.", ...), no head names.
WeightNameTable bertBodyNames(const std::string& prefix);
// RoBERTa's masked-LM head names (lm_head.*), also Longformer's.
std::map<TensorRole, std::string> robertaHeadNames();
// Adds `names` to `table`'s body, replacing the roles it already has: a
// family's table written as the one it builds on plus its differences.
void setBodyNames(WeightNameTable& table, const std::map<TensorRole, std::string>& names);
// The table of an architecture (architectures.cpp says which).
const WeightNameTable& weightNameTable(Architecture architecture);

// The file name of `role` (at `layer` for per-layer tensors), `prefix` in
// front of body tensors; empty when the table has no such role.
std::string tensorName(const WeightNameTable& table, const std::string& prefix, TensorRole role, int layer);

}  // namespace attnviz::core
