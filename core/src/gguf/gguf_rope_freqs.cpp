#include "gguf_rope_freqs.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

namespace attnviz::core {
// In the converter's own float/double steps.
std::vector<double> llama3RopeDivisors(double base, int dim, double factor, double low, double high, double original) {
    const double lowWavelen = original / low;
    const double highWavelen = original / high;
    std::vector<double> out;
    for (int i = 0; i < dim; i += 2) {
        const float freq = 1.0f / static_cast<float>(std::pow(base, static_cast<float>(i) / static_cast<float>(dim)));
        const double wavelen = 2.0 * std::numbers::pi / freq;
        if (wavelen < highWavelen) {
            out.push_back(1.0);
        } else if (wavelen > lowWavelen) {
            out.push_back(factor);
        } else {
            const double smooth = (original / wavelen - low) / (high - low);
            out.push_back(1.0 / ((1.0 - smooth) / factor + smooth));
        }
    }
    return out;
}

Status llama3RopeScalingFromFactors(const GgufFile& file, nlohmann::json& config) {
    const GgufTensorInfo* t = file.tensor("rope_freqs.weight");
    if (!t) return Status::success();
    const std::string where = "'" + file.path().string() + "': tensor 'rope_freqs.weight'";
    if (t->type != GgmlType::F32 || t->ne.size() != 1) {
        return makeError(ErrorCode::Unsupported, where + " is not a 1-D F32 tensor");
    }
    const double base = config.value("rope_theta", 10000.0);
    int dim = config.value("head_dim", 0);
    if (dim == 0 && config.value("num_attention_heads", 0) > 0) {
        dim = config.value("hidden_size", 0) / config.value("num_attention_heads", 1);
    }
    if (dim <= 0 || t->ne[0] != static_cast<std::uint64_t>(dim / 2)) {
        return makeError(ErrorCode::CorruptFile, where + " has " + std::to_string(t->ne[0]) +
                                                     " values; the head size " + std::to_string(dim) + " needs " +
                                                     std::to_string(dim / 2));
    }
    std::vector<double> stored(t->ne[0]);
    for (std::size_t i = 0; i < stored.size(); ++i) {
        float v;
        std::memcpy(&v, t->data + 4 * i, 4);
        stored[i] = v;
    }
    const double factor = *std::max_element(stored.begin(), stored.end());
    // The parameters every released Llama 3.1 / 3.2 / 3.3 model uses.
    const double low = 1.0, high = 4.0, original = 8192.0;
    const auto expected = llama3RopeDivisors(base, dim, factor, low, high, original);
    for (std::size_t i = 0; i < stored.size(); ++i) {
        if (!(std::abs(stored[i] - expected[i]) <= 1e-5 * std::max(1.0, std::abs(expected[i])))) {
            return makeError(ErrorCode::Unsupported,
                             where + ": its divisors are not llama3 rope scaling with low_freq_factor 1, "
                                     "high_freq_factor 4 and 8192 original positions (value " +
                                 std::to_string(i) + " is " + std::to_string(stored[i]) + ", expected " +
                                 std::to_string(expected[i]) + ")");
        }
    }
    if (factor == 1.0) return Status::success();
    config["rope_scaling"] = {{"rope_type", "llama3"},
                              {"factor", factor},
                              {"low_freq_factor", low},
                              {"high_freq_factor", high},
                              {"original_max_position_embeddings", original}};
    return Status::success();
}

}  // namespace attnviz::core
