// Binds an encoder-decoder checkpoint's tensors by their Hugging Face names
// ("model." prefixed or not), checking every shape; keeps the first error
// and the names it used, so the loader can list what nothing used.
#pragma once

#include "attnviz/core/ops.h"
#include "attnviz/core/result.h"
#include "attnviz/core/weight_store.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace attnviz::core {

class Seq2SeqWeights {
public:
    explicit Seq2SeqWeights(WeightStore& store) : m_store(store) {}

    bool has(const std::string& name) const { return !resolve(name).empty(); }
    // The tensor (shape checked); null and an error kept when missing.
    const float* required(const std::string& name, std::vector<std::int64_t> shape);
    // Null when absent (no error).
    const float* optional(const std::string& name, std::vector<std::int64_t> shape);
    // The first of `names` present; an error naming all when none is.
    const float* firstOf(std::initializer_list<std::string> names, std::vector<std::int64_t> shape);
    // nn.Linear `base`.weight (out, in) and, when `withBias`, `base`.bias.
    Linear linear(const std::string& base, int in, int out, bool withBias);

    // The first error, or ok.
    Status status() const;
    // One warning line naming the tensors in the file nothing bound, or "".
    std::string unusedWarning() const;

private:
    // The name in the store: `name`, or "model." + name; "" when neither.
    std::string resolve(const std::string& name) const;

    WeightStore& m_store;
    std::set<std::string> m_used;
    std::optional<Error> m_error;
};

}  // namespace attnviz::core
