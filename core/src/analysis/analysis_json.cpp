#include "attnviz/core/analysis_json.h"

#include "attnviz/core/attention_flow.h"

#include "attnviz/core/aggregates.h"
#include "attnviz/core/head_search.h"
#include "attnviz/core/rollout.h"
#include "attnviz/core/trace_json.h"
#include "attnviz/core/value_weighted.h"

#include <cmath>

namespace attnviz::core {

namespace {

// %.9g: float32 values round-trip exactly; NaN and infinities are null.
void writeNumber(std::FILE* out, double v) {
    if (std::isfinite(v)) std::fprintf(out, "%.9g", v);
    else std::fputs("null", out);
}

// One (seqLen, seqLen) matrix as [T][T].
void writeMatrix(std::FILE* out, const RowMatrix& m) {
    std::fputc('[', out);
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
        std::fputs(i ? ",[" : "[", out);
        for (Eigen::Index j = 0; j < m.cols(); ++j) {
            if (j) std::fputc(',', out);
            writeNumber(out, m(i, j));
        }
        std::fputc(']', out);
    }
    std::fputc(']', out);
}

void writeValueNorms(std::FILE* out, const AttentionTrace& trace) {
    std::fputc('[', out);
    for (int l = 0; l < trace.nLayers(); ++l) {
        std::fputs(l ? ",[" : "[", out);
        for (int h = 0; h < trace.nHeads(); ++h) {
            if (h) std::fputc(',', out);
            // Cannot fail: the caller checked hasValueNorms and the indices are in range.
            writeMatrix(out, valueWeightedNorms(trace, l, h).value());
        }
        std::fputc(']', out);
    }
    std::fputc(']', out);
}

}  // namespace

std::vector<std::pair<std::string_view, std::string_view>> analysisFormulas() {
    std::vector<std::pair<std::string_view, std::string_view>> f = {
        {"mean_heads", kMeanOverHeadsFormula},
        {"max_heads", kMaxOverHeadsFormula},
        {"mean_layers", kMeanOverLayersFormula},
        {"rollout", kRolloutFormula},
        {"attention_flow", kAttentionFlowFormula},
        {"value_norms", kValueWeightedFormula},
        {"value_norms_normalized", kValueWeightedNormalizedFormula},
        {"head_similarity", kHeadSimilarityFormula},
    };
    for (HeadStatistic s : kAllHeadStatistics) f.emplace_back(statisticName(s), statisticFormula(s));
    f.emplace_back("ordinary_token", kOrdinaryTokenRule);
    return f;
}

bool writeAnalysisJson(std::FILE* out, const AnalysisJsonHeader& header, const AttentionTrace& trace,
                       std::span<const HeadStats> stats, const InductionSequence* induction, const RowMatrix* flow) {
    std::string head = "{\"model\":";
    appendJsonString(head, header.model);
    head += ",\"model_type\":";
    appendJsonString(head, header.modelType);
    head += ",\"mask\":";
    appendJsonString(head, header.requestedMask);
    head += ",\"effective_mask\":";
    appendJsonString(head, trace.mask().toString());
    if (!header.attentionKind.empty()) {
        head += ",\"attention_kind\":";
        appendJsonString(head, header.attentionKind);
    }
    appendLayerKindsJson(head, trace);
    head += ",\"tokens\":[";
    for (std::size_t i = 0; i < trace.tokenIds.size(); ++i) {
        if (i) head += ',';
        head += "{\"id\":" + std::to_string(trace.tokenIds[i]) + ",\"text\":";
        appendJsonString(head, i < header.tokenTexts.size() ? header.tokenTexts[i] : std::string());
        head += '}';
    }
    head += "],\"n_layers\":" + std::to_string(trace.nLayers()) + ",\"n_heads\":" + std::to_string(trace.nHeads()) +
            ",\"seq_len\":" + std::to_string(trace.seqLen());
    head += ",\"formulas\":{";
    bool first = true;
    if (!header.attentionKind.empty()) {
        // Every formula below reads A, the attention of this one stack.
        head += "\"attention\":";
        appendJsonString(head, "A = the " + header.attentionKind +
                                   "'s self-attention (tokens = its input; analyses of cross-attention are not "
                                   "defined: rollout and value norms chain a stack's square attention)");
        first = false;
    }
    for (const auto& [key, formula] : analysisFormulas()) {
        if (!first) head += ',';
        first = false;
        appendJsonString(head, std::string(key));
        head += ':';
        appendJsonString(head, std::string(formula));
    }
    head += '}';
    if (induction != nullptr) {
        head += ",\"induction_seed\":" + std::to_string(induction->seed) +
                ",\"induction_repeat_length\":" + std::to_string(induction->repeatLength) + ",\"induction_ids\":[";
        for (std::size_t i = 0; i < induction->ids.size(); ++i) head += (i ? "," : "") + std::to_string(induction->ids[i]);
        head += ']';
    } else {
        head += ",\"induction_seed\":null,\"induction_repeat_length\":null,\"induction_ids\":null";
    }
    head += ",\"mean_heads\":[";
    std::fputs(head.c_str(), out);

    for (int l = 0; l < trace.nLayers(); ++l) {
        if (l) std::fputc(',', out);
        writeMatrix(out, meanOverHeads(trace, l));
    }
    std::fputs("],\"rollout\":", out);
    writeMatrix(out, attentionRollout(trace));
    std::fputs(",\"attention_flow\":", out);
    if (flow != nullptr) writeMatrix(out, *flow);
    else std::fputs("null", out);
    std::fputs(",\"value_norms\":", out);
    if (trace.hasValueNorms()) writeValueNorms(out, trace);
    else std::fputs("null", out);

    std::fputs(",\"head_stats\":[", out);
    for (std::size_t k = 0; k < stats.size(); ++k) {
        const HeadStats& s = stats[k];
        std::fprintf(out, "%s{\"layer\":%d,\"head\":%d", k ? "," : "", s.layer, s.head);
        for (HeadStatistic statistic : kAllHeadStatistics) {
            std::fprintf(out, ",\"%.*s\":", static_cast<int>(statisticName(statistic).size()),
                         statisticName(statistic).data());
            writeNumber(out, s.value(statistic));
        }
        std::fputc('}', out);
    }
    std::fputs("]}\n", out);
    return std::ferror(out) == 0;
}

bool writeHeadStatsCsv(std::FILE* out, std::span<const HeadStats> stats) {
    std::fputs("layer,head", out);
    for (HeadStatistic statistic : kAllHeadStatistics) {
        std::fprintf(out, ",%.*s", static_cast<int>(statisticName(statistic).size()), statisticName(statistic).data());
    }
    std::fputc('\n', out);
    for (const HeadStats& s : stats) {
        std::fprintf(out, "%d,%d", s.layer, s.head);
        for (HeadStatistic statistic : kAllHeadStatistics) {
            std::fputc(',', out);
            // An empty field is how CSV readers (pandas, spreadsheets) see a missing value.
            const double v = s.value(statistic);
            if (std::isfinite(v)) std::fprintf(out, "%.9g", v);
        }
        std::fputc('\n', out);
    }
    return std::ferror(out) == 0;
}

}  // namespace attnviz::core
