#include "attnviz/ui/export/exporters.h"

#include "attnviz/core/analysis_json.h"
#include "attnviz/core/array_export.h"
#include "attnviz/core/atomic_file.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/core/trace_json.h"
#include "attnviz/ui/session/attention_kind.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"

#include "figure_file.h"

#include <cmath>
#include <QFileInfo>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>

namespace attnviz::ui {
namespace {

using figure_file::failure;
using figure_file::saveBytes;

QString csvField(const QString& text) {
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n')) &&
        !text.contains(QLatin1Char('\r')) && text.trimmed() == text) {
        return text;
    }
    QString quoted = text;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

// Streams what a core writer puts on a stdio stream into `path`, atomically
// (core::writeFileAtomically): nothing is held in memory, and a failed
// write leaves the old file as it was.
core::Status saveFromStream(const QString& path, const QString& what, const std::function<bool(std::FILE*)>& write) {
    const core::Status written = core::writeFileAtomically(path.toStdString(), [&](std::FILE* out, std::string& error) {
        if (write(out) && std::ferror(out) == 0) return true;
        if (errno == 0 || errno == ENOMEM) {
            error = "cannot write '" + path.toStdString() + "': " + what.toStdString() + " could not be serialised";
        }
        return false;
    });
    if (written || written.error().rfind("cannot write '" + path.toStdString() + "'", 0) == 0) return written;
    // The window names the file the user chose, not the temporary beside it.
    const std::string& e = written.error();
    const std::size_t at = e.rfind("': ");
    return failure(path, QString::fromStdString(at == std::string::npos ? e : e.substr(at + 3)), written.code());
}

// ["tok", "tok", ...]: the tokens' display texts as a JSON array.
std::string jsonTextArray(const std::vector<TokenLabel>& tokens) {
    std::string out = "[";
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (i > 0) out += ',';
        core::appendJsonString(out, tokens[i].text.toStdString());
    }
    return out + ']';
}

QString csvNumber(float v) {
    if (std::isnan(v)) return {};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
    return QString::fromLatin1(buf);
}

}  // namespace

QString exportFormatName(ExportFormat format) {
    switch (format) {
    case ExportFormat::Png: return QStringLiteral("png");
    case ExportFormat::Svg: return QStringLiteral("svg");
    case ExportFormat::Pdf: return QStringLiteral("pdf");
    case ExportFormat::Csv: return QStringLiteral("csv");
    case ExportFormat::Json: return QStringLiteral("json");
    case ExportFormat::Npy: return QStringLiteral("npy");
    case ExportFormat::Safetensors: return QStringLiteral("safetensors");
    }
    return {};
}

std::optional<ExportFormat> exportFormatFromName(const QString& name) {
    for (ExportFormat f : {ExportFormat::Png, ExportFormat::Svg, ExportFormat::Pdf, ExportFormat::Csv, ExportFormat::Json,
                           ExportFormat::Npy, ExportFormat::Safetensors}) {
        if (name.compare(exportFormatName(f), Qt::CaseInsensitive) == 0) return f;
    }
    return std::nullopt;
}

std::optional<ExportFormat> exportFormatForPath(const QString& path) {
    return exportFormatFromName(QFileInfo(path).suffix());
}

core::Status exportFigure(PlotView& view, const QString& path, ExportFormat format, const FigureOptions& options) {
    figure_file::FigureSource source;
    source.problem = view.exportProblem();
    source.title = view.figureTitle();
    source.naturalSize = view.figureSize();
    source.image = [&view](QSize size, double scale) { return view.renderImage(size, scale); };
    source.svg = [&view](QIODevice* device, QSize size) { return view.writeSvg(device, size); };
    source.pdf = [&view](QIODevice* device, QSize size) { return view.writePdf(device, size); };
    return figure_file::writeFigure(source, path, format, options);
}

core::Status exportCsv(const LabeledMatrix& m, const QString& path) {
    // Streamed row by row: a 4k-token head is 16M cells.
    return saveFromStream(path, QStringLiteral("the table"), [&](std::FILE* out) {
        // The corner cell names the axes and, for an aggregate, its formula:
        // the file stays one rectangular table that any CSV reader takes.
        QString head = csvField(m.formula.isEmpty() ? QStringLiteral("query \\ key")
                                                    : QStringLiteral("query \\ key; %1").arg(m.formula));
        for (const QString& k : m.colLabels) head += QLatin1Char(',') + csvField(k);
        head += QLatin1Char('\n');
        std::fputs(head.toUtf8().constData(), out);
        for (int r = 0; r < m.matrix.rows(); ++r) {
            QString line = csvField(m.rowLabels.value(r));
            for (int c = 0; c < m.matrix.cols(); ++c) line += QLatin1Char(',') + csvNumber(m.matrix.at(r, c));
            line += QLatin1Char('\n');
            if (std::fputs(line.toUtf8().constData(), out) < 0) return false;
        }
        return true;
    });
}

core::Status exportCsv(const PlotView& view, const QString& path) {
    if (const QString problem = view.exportProblem(); !problem.isEmpty()) {
        return core::makeError(core::ErrorCode::InvalidInput, problem.toStdString());
    }
    const auto m = view.csvMatrix();
    if (!m) {
        return core::makeError(core::ErrorCode::InvalidInput,
                               "CSV holds one matrix: export it from the head or difference view (the " +
                                   view.viewName().toStdString() + " view shows several)");
    }
    return exportCsv(*m, path);
}

core::Status exportTraceJson(const SessionResult& result, const QString& path) {
    if (result.isCross()) return exportCrossJson(result, path);
    core::TraceJsonHeader header;
    header.model = result.modelName.toStdString();
    header.modelType = result.modelType.toStdString();
    header.requestedMask = result.requestedMask.toString();
    for (const TokenLabel& t : result.tokens) header.tokenTexts.push_back(t.text.toStdString());
    return saveFromStream(path, QStringLiteral("the trace"), [&](std::FILE* out) {
        return core::writeTraceJson(out, header, *result.trace, result.trace->hasScores());
    });
}

core::Status exportCrossJson(const SessionResult& result, const QString& path) {
    if (!result.cross) return core::makeError(core::ErrorCode::InvalidInput, "this run has no cross-attention");
    const core::AttentionBlock& block = *result.cross;
    std::string head = "{\"model\":";
    core::appendJsonString(head, result.modelName.toStdString());
    head += ",\"model_type\":";
    core::appendJsonString(head, result.modelType.toStdString());
    head += ",\"attention_kind\":\"cross\"";
    const auto tokens = [&head](const char* name, const std::vector<TokenLabel>& list) {
        head += ",\"";
        head += name;
        head += "\":[";
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (i > 0) head += ',';
            head += "{\"id\":" + std::to_string(list[i].id) + ",\"text\":";
            core::appendJsonString(head, list[i].text.toStdString());
            head += '}';
        }
        head += ']';
    };
    tokens("query_tokens", result.tokens);
    tokens("key_tokens", result.colTokens);
    head += ",\"n_layers\":" + std::to_string(block.nLayers()) + ",\"n_heads\":" + std::to_string(block.nHeads()) +
            ",\"rows\":" + std::to_string(block.rows()) + ",\"cols\":" + std::to_string(block.cols()) +
            ",\"attention\":";
    return saveFromStream(path, QStringLiteral("the cross-attention"), [&](std::FILE* out) {
        std::fputs(head.c_str(), out);
        core::writeAttentionArray(out, block.nLayers(), block.nHeads(), block.rows(), block.cols(),
                                  [&](int l, int h) { return block.probs(l, h); });
        std::fputs("}\n", out);
        return std::ferror(out) == 0;
    });
}

core::Status exportAnalysisJson(const SessionResult& result, const QString& path) {
    core::AnalysisJsonHeader header;
    header.model = result.modelName.toStdString();
    header.modelType = result.modelType.toStdString();
    header.requestedMask = result.requestedMask.toString();
    for (const TokenLabel& t : result.tokens) header.tokenTexts.push_back(t.text.toStdString());
    const core::InductionSequence* induction = result.induction ? &result.induction->sequence : nullptr;
    // The window computes the statistics only while their panel is open.
    const std::vector<core::HeadStats> stats =
        result.headStats.empty() ? core::computeHeadStats(*result.trace) : result.headStats;
    return saveFromStream(path, QStringLiteral("the analyses"), [&](std::FILE* out) {
        return core::writeAnalysisJson(out, header, *result.trace, stats, induction);
    });
}

core::Status exportHeadStatsCsv(std::span<const core::HeadStats> stats, const QString& path) {
    return saveFromStream(path, QStringLiteral("the head statistics"),
                          [&](std::FILE* out) { return core::writeHeadStatsCsv(out, stats); });
}

core::Status exportHeadChangesCsv(std::span<const core::HeadChange> ranking, const QString& path) {
    return saveFromStream(path, QStringLiteral("the ranking of changed heads"),
                          [&](std::FILE* out) { return core::writeHeadChangesCsv(out, ranking); });
}

core::Status exportArrays(const SessionResult& result, const QString& path, ExportFormat format, HeadRef head,
                          bool allHeads) {
    core::AttentionArrays arrays;
    if (result.isCross()) {
        const core::AttentionBlock& b = *result.cross;
        arrays = {b.nLayers(), b.nHeads(), b.rows(), b.cols(), [&b](int l, int h) { return b.probs(l, h); }};
    } else {
        const core::AttentionTrace& t = *result.trace;
        arrays = {t.nLayers(), t.nHeads(), t.seqLen(), t.seqLen(), [&t, held = core::HeadMatrix()](int l, int h) mutable {
                      held = t.headProbs(l, h);  // kept until the next head is asked for
                      return held.data();
                  }};
    }
    core::ArraySelection selection;
    selection.scope = allHeads ? core::ArraySelection::Scope::All
                               : head.isMean() ? core::ArraySelection::Scope::Layer : core::ArraySelection::Scope::Head;
    selection.layer = head.layer;
    selection.head = head.head;
    if (auto s = core::checkSelection(arrays, selection); !s) return s;
    if (format == ExportFormat::Npy) {
        return saveFromStream(path, QStringLiteral("the array"),
                              [&](std::FILE* out) { return core::writeAttentionNpy(out, arrays, selection); });
    }
    // The tokens and what the numbers are, for whoever loads the file.
    std::map<std::string, std::string> metadata{{"model", result.modelName.toStdString()},
                                                {"attention", "post-softmax probabilities, row = query, column = key"},
                                                {"query_tokens", jsonTextArray(result.tokens)}};
    if (result.kind) metadata["attention_kind"] = attentionKindName(*result.kind).toStdString();
    if (result.isCross()) metadata["key_tokens"] = jsonTextArray(result.colTokens);
    const core::Status written = core::writeFileAtomically(path.toStdString(), [&](std::FILE* out, std::string& why) {
        const core::Status s = core::writeAttentionSafetensors(out, path.toStdString(), arrays, selection, metadata);
        if (!s) why = s.error();
        return s.ok();
    });
    return written;
}

core::Status exportView(PlotView& view, const QString& path, ExportFormat format, const FigureOptions& options) {
    view.ensureCurrent();
    switch (format) {
    case ExportFormat::Npy:
    case ExportFormat::Safetensors: {
        if (!view.result()) return core::makeError(core::ErrorCode::InvalidInput, view.exportProblem().toStdString());
        if (const auto* head = dynamic_cast<const HeadView*>(&view)) {
            return exportArrays(*view.result(), path, format, head->head(), false);
        }
        if (dynamic_cast<const HeadGridView*>(&view) != nullptr) return exportArrays(*view.result(), path, format, {}, true);
        return core::makeError(core::ErrorCode::InvalidInput,
                               "NPY and safetensors hold attention probabilities: export them from the head view (one "
                               "head, or a layer's heads for a layer mean) or the overview (every head), not the " +
                                   view.viewName().toStdString() + " view");
    }
    case ExportFormat::Csv: return exportCsv(view, path);
    case ExportFormat::Json:
        if (!view.result()) return core::makeError(core::ErrorCode::InvalidInput, view.exportProblem().toStdString());
        if (view.jsonContent() == PlotView::JsonContent::Analysis) return exportAnalysisJson(*view.result(), path);
        return exportTraceJson(*view.result(), path);
    default: return exportFigure(view, path, format, options);
    }
}

}  // namespace attnviz::ui
