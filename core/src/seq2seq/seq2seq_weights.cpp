#include "seq2seq_weights.h"

namespace attnviz::core {

std::string Seq2SeqWeights::resolve(const std::string& name) const {
    if (m_store.contains(name)) return name;
    if (m_store.contains("model." + name)) return "model." + name;
    return {};
}

const float* Seq2SeqWeights::optional(const std::string& name, std::vector<std::int64_t> shape) {
    const std::string stored = resolve(name);
    if (stored.empty() || m_error) return nullptr;
    m_used.insert(stored);
    auto data = m_store.floats(stored, shape);
    if (!data) {
        m_error = data.takeError();
        return nullptr;
    }
    return *data;
}

const float* Seq2SeqWeights::required(const std::string& name, std::vector<std::int64_t> shape) {
    if (!has(name)) {
        if (!m_error) {
            std::string dims;
            for (auto d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
            m_error = makeError(ErrorCode::CorruptFile, "'" + m_store.source().string() + "' has no tensor '" + name +
                                                            "' (expected shape [" + dims + "])");
        }
        return nullptr;
    }
    return optional(name, std::move(shape));
}

const float* Seq2SeqWeights::firstOf(std::initializer_list<std::string> names, std::vector<std::int64_t> shape) {
    for (const auto& name : names) {
        if (has(name)) return optional(name, shape);
    }
    if (!m_error) {
        std::string list;
        for (const auto& name : names) list += (list.empty() ? "'" : ", '") + name + "'";
        m_error = makeError(ErrorCode::CorruptFile, "'" + m_store.source().string() + "' has none of " + list);
    }
    return nullptr;
}

Linear Seq2SeqWeights::linear(const std::string& base, int in, int out, bool withBias) {
    Linear l;
    l.in = in;
    l.out = out;
    l.weight = required(base + ".weight", {out, in});
    if (withBias) l.bias = required(base + ".bias", {out});
    return l;
}

Status Seq2SeqWeights::status() const {
    if (m_error) return *m_error;
    return {};
}

std::string Seq2SeqWeights::unusedWarning() const {
    std::string list;
    int count = 0;
    for (const auto& name : m_store.names()) {
        if (m_used.count(name) != 0) continue;
        if (++count <= 5) list += (list.empty() ? "" : ", ") + name;
    }
    if (count == 0) return {};
    if (count > 5) list += ", ...";
    return std::to_string(count) + " tensor" + (count == 1 ? "" : "s") + " in '" + m_store.source().string() +
           "' not used: " + list;
}

}  // namespace attnviz::core
