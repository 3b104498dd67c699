// A second forward pass to check the engine against: plain nested loops in
// double precision over the raw weights, one short function per family,
// written from Hugging Face's modeling code (eager attention), sharing nothing
// with core's forward passes, ops or tensor-name tables. Slow and small-model
// only; the tests run it on the tiny fixtures.
//
//   auto ref = ReferenceModel::load(dir);
//   if (!ref) QFAIL(ref.error().c_str());
//   auto run = ref->run(ids, {}, core::MaskMode::causal());
//   double p = run->prob(layer, head, query, key);
#pragma once

#include "support/reference_config.h"

#include "attnviz/core/mask_mode.h"
#include "attnviz/core/result.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <optional>
#include <vector>

namespace attnviz::test {

struct ReferenceRun {
    int nLayers = 0;
    int nHeads = 0;
    int seqLen = 0;
    int vocabSize = 0;
    core::MaskMode mask;          // the mask used, "default" resolved
    std::optional<int> window;    // the model's sliding window (keys incl. the query), if any
    std::vector<double> probs;    // (nLayers, nHeads, seqLen, seqLen), row = query, masked entries exactly 0
    std::vector<double> logits;   // (seqLen, vocabSize): the LM head over the last layer

    double prob(int layer, int head, int query, int key) const {
        return probs[((static_cast<std::size_t>(layer) * nHeads + head) * seqLen + query) * seqLen + key];
    }
    // Whether `mask` lets the query see the key, by the reference's own rule.
    bool visible(int query, int key) const;
};

class ReferenceModel {
public:
    // Reads config.json (itself) and the weights (core::WeightStore, as float
    // then widened to double) of a Hugging Face folder.
    static core::Result<ReferenceModel> load(const std::filesystem::path& dir);

    const ReferenceConfig& config() const { return m_config; }
    // What "default" means for this model, as Hugging Face trains it.
    core::MaskMode defaultMask() const;

    // `types` empty means all 0. `mask` replaces the model's mask in every layer.
    core::Result<ReferenceRun> run(std::span<const std::int32_t> ids, std::span<const std::int32_t> types,
                                   core::MaskMode mask) const;

    struct Tensor {
        std::vector<std::int64_t> shape;
        std::vector<double> values;  // row-major as stored
    };

private:
    const std::vector<double>& w(const std::string& name) const { return m_tensors.at(name).values; }
    bool has(const std::string& name) const { return m_tensors.count(name) != 0; }

    void bertForward(std::span<const std::int32_t> ids, std::span<const std::int32_t> types, ReferenceRun& out) const;
    void gpt2Forward(std::span<const std::int32_t> ids, ReferenceRun& out) const;
    void llamaForward(std::span<const std::int32_t> ids, ReferenceRun& out) const;

    ReferenceConfig m_config;
    std::string m_prefix;  // "bert.", "transformer.", "model.", ... or ""
    std::map<std::string, Tensor> m_tensors;  // full file names
};

}  // namespace attnviz::test
