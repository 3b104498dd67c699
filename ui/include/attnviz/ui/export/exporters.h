// Writing a view or a run to disk, shared by File > Export and
// `attnviz-cli export`: the figure as PNG (scaled for hi-DPI), SVG or PDF,
// the view's matrix as CSV, the whole trace as JSON (the CLI's contract),
// the analyses as JSON and the head statistics as CSV (attnviz-cli analyze's
// formats, with every formula).
// Every file is written atomically (QSaveFile): a failed export leaves no
// half-written file behind.
#pragma once

#include "attnviz/core/head_change.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/core/result.h"
#include "attnviz/ui/session/head_ref.h"
#include "attnviz/ui/plot/plot_view.h"
#include "attnviz/ui/session/session_result.h"

#include <QSize>
#include <QString>

#include <optional>
#include <span>

namespace attnviz::ui {

enum class ExportFormat { Png, Svg, Pdf, Csv, Json, Npy, Safetensors };

QString exportFormatName(ExportFormat format);  // "png", ...
std::optional<ExportFormat> exportFormatFromName(const QString& name);
// From the file name's suffix.
std::optional<ExportFormat> exportFormatForPath(const QString& path);

struct FigureOptions {
    QSize size;          // logical pixels; empty: the view's figureSize()
    double scale = 2.0;  // PNG pixels per logical pixel
};

// PNG, SVG or PDF of what the view shows.
core::Status exportFigure(PlotView& view, const QString& path, ExportFormat format, const FigureOptions& options = {});
// The view's one matrix (csvMatrix()) as CSV.
core::Status exportCsv(const PlotView& view, const QString& path);
core::Status exportCsv(const LabeledMatrix& matrix, const QString& path);
// The run as JSON through core::writeTraceJson.
core::Status exportTraceJson(const SessionResult& result, const QString& path);
// Cross-attention of an encoder-decoder run: {"model", "model_type",
// "attention_kind": "cross", "query_tokens" (decoder input), "key_tokens"
// (source), each [{"id", "text"}], "n_layers", "n_heads", "rows", "cols",
// "attention" [L][H][rows][cols]}. exportTraceJson writes this for a cross result.
core::Status exportCrossJson(const SessionResult& result, const QString& path);
// The analyses of the run (formulas, head means, rollout, value norms, head
// statistics with induction when measured) through core::writeAnalysisJson.
core::Status exportAnalysisJson(const SessionResult& result, const QString& path);
// Head statistics in the given order through core::writeHeadStatsCsv.
core::Status exportHeadStatsCsv(std::span<const core::HeadStats> stats, const QString& path);
// The heads of a pinned-run comparison ranked by how much they changed
// (core::writeHeadChangesCsv): "rank,layer,head,mean_jsd".
core::Status exportHeadChangesCsv(std::span<const core::HeadChange> ranking, const QString& path);
// The attention probabilities as NPY or safetensors (core/array_export.h):
// one head, the heads of one layer (`head.isMean()`) or, with `allHeads`,
// every head; of the result's kind (cross-attention: target x source).
core::Status exportArrays(const SessionResult& result, const QString& path, ExportFormat format, HeadRef head,
                          bool allHeads);
// Any format: figures, CSV of the view's matrix, JSON of the view's run (or
// of its analyses, see PlotView::jsonContent), NPY/safetensors of what the
// head view (its head, or its layer for a layer mean) or the overview (every
// head) shows.
core::Status exportView(PlotView& view, const QString& path, ExportFormat format, const FigureOptions& options = {});

}  // namespace attnviz::ui
