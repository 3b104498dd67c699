// Base of the figure views (head, overview, compare, difference): holds the
// current result and style, draws into one QCustomPlot (kept out of this
// header), shows a message instead of the plot when there is nothing to draw,
// and renders the figure for the exporters at a size of its own choosing.
// A view that draws heatmap panels keeps them in panels(); their zoom, hover
// markers, highlight, token clicks and square layout are handled here.
// A view hidden in a shown window (a tab in the back) draws only when it is
// shown: the GUI thread builds and paints what is on screen, nothing else.
#pragma once

#include "attnviz/ui/plot/matrix.h"
#include "attnviz/ui/plot/view_style.h"
#include "attnviz/ui/session/session_result.h"

#include <QImage>
#include <QWidget>

#include <memory>
#include <optional>

class QCustomPlot;
class QCPColorScale;
class QCPTextElement;
class QCPLayoutGrid;
class QIODevice;
class QLabel;
class QKeyEvent;
class QMouseEvent;
class QStackedLayout;

namespace attnviz::ui {

class HeatmapPanels;
class PlotCanvas;
class WorkPage;

// One matrix with its labels, for CSV export.
struct LabeledMatrix {
    QString title;
    QString formula;  // for aggregates: written into the header's corner cell
    Matrix matrix;
    QStringList rowLabels;  // queries
    QStringList colLabels;  // keys
};

class PlotView : public QWidget {
    Q_OBJECT

public:
    explicit PlotView(QWidget* parent = nullptr);
    ~PlotView() override;

    void setResult(std::shared_ptr<const SessionResult> result);
    // The same run with more data beside what is drawn (the induction
    // scores): taken without redrawing; another run is drawn as setResult.
    void updateResult(std::shared_ptr<const SessionResult> result);
    const std::shared_ptr<const SessionResult>& result() const { return m_result; }
    // Builds the figure now if it waits to be shown (exports of a view in the back).
    void ensureCurrent();
    void setViewStyle(const ViewStyle& style);
    const ViewStyle& viewStyle() const { return m_style; }
    // Highlights the row and column of run token `token` (-1: none).
    void setHighlightToken(int token);
    int highlightToken() const { return m_highlight; }
    // Shown instead of the plot while there is no result.
    void setPlaceholder(const QString& text);

    QCustomPlot* plot() const;

    // "head", "overview", "compare", "difference".
    virtual QString viewName() const = 0;
    // The figure's title line, as drawn.
    QString figureTitle() const;
    QString figureSubtitle() const;
    // The formula of an aggregate the figure shows, drawn under the subtitle
    // (wrapped to the width; "" when the figure shows plain heads).
    QString figureFormula() const { return m_formulaText; }
    // Export size in logical pixels, from the content (not the window).
    virtual QSize figureSize() const = 0;
    // The one matrix a CSV export writes; nullopt when the view has none.
    virtual std::optional<LabeledMatrix> csvMatrix() const { return std::nullopt; }
    // What a JSON export of the view writes: the run's trace (the
    // attention contract) or the analyses (aggregates, head statistics).
    enum class JsonContent { Trace, Analysis };
    virtual JsonContent jsonContent() const { return JsonContent::Trace; }
    // What the view says instead of a plot ("" while it shows one).
    const QString& message() const { return m_message; }
    // Why there is nothing to export ("" when there is).
    virtual QString exportProblem() const;
    // The work page shown while the view computes off the GUI thread (null
    // until a view first shows it; hidden when the view shows anything else).
    WorkPage* workPage() const { return m_work; }
    bool showsWork() const { return m_showsWork; }

    QImage renderImage(QSize size, double scale);
    bool writeSvg(QIODevice* device, QSize size);
    bool writePdf(QIODevice* device, QSize size);

signals:
    void tokenClicked(int token);
    void hoverText(const QString& text);
    // After every redraw (the figure may show another comparison).
    void redrawn();

protected:
    PlotCanvas* canvas() const { return m_canvas; }
    HeatmapPanels& panels() const { return *m_panels; }
    // The grid below the title lines that a view fills.
    QCPLayoutGrid* body() const { return m_body; }
    // Rebuilds the figure from result and style; called by the setters.
    virtual void rebuild() = 0;
    void refresh();
    // rebuild() when there is a result, then show the plot or the view's message.
    void redraw();
    void setTitles(const QString& title, const QString& subtitle);
    // For a layout hook, after the panels' fitting: sets the titles to
    // `title` and `subtitle` plus how the last panel's LOD image shows its
    // matrix at the size it got ("3913 x 3913 shown as 510 x 510 px, max
    // per pixel"). True when the subtitle changed.
    bool noteLod(const QString& title, const QString& subtitle);
    void setFormula(const QString& formula);
    // Replaces the plot by a message while there is nothing to draw for this
    // view ("" shows the plot again).
    void setMessage(const QString& message);
    // Like setMessage(text), but on the work page: a progress bar at
    // `permille` (< 0: none) and a button `button` that calls workButton().
    void setWork(const QString& text, int permille, const QString& button);
    virtual void workButton() {}
    // The subtitle notes every view shares (mask, hidden special tokens).
    QString standardNotes(bool renormalised) const;

    // Hover feedback for a cell under `pos`: `toolTip` there, `statusText`
    // through hoverText().
    void showHover(const QPointF& pos, const QString& toolTip, const QString& statusText);
    // Nothing under the mouse: clears the markers, the tooltip and the status text.
    void endHover();

    virtual void hover(const QPointF& pos) = 0;
    // The defaults act on panels(): a click on a token toggles its highlight.
    virtual void click(const QPointF& pos, Qt::KeyboardModifiers modifiers);
    virtual void resetZoom();
    virtual void clearHover();
    virtual void applyHighlight();
    virtual bool handleKey(QKeyEvent*) { return false; }
    // Around every export (after the export flag is set, before it is
    // cleared): for what the figure must not show, such as a selection box.
    virtual void beginExport() {}
    virtual void endExport() {}
    // For views whose layout follows the window (compare's columns,
    // difference's row or stack): the area to lay out for, which is unknown
    // (QSize()) during an export, so exports get the canonical layout that
    // figureSize() describes.
    QSize layoutArea() const;
    // True when the layout built last does not suit layoutArea() any more;
    // PlotView then redraws on resizes and around exports.
    virtual bool layoutOutdated() const { return false; }
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // The figure colours of the current palette on the canvas and the placeholder.
    void applyColors();
    // Highlights run token `token`, or drops the highlight when it is the
    // highlighted one, and emits tokenClicked (-1: no token, ignored).
    void toggleHighlight(int token);
    void enterExport();
    void leaveExport();
    // True while the view is hidden in a shown window: rebuilds and replots wait for showEvent.
    bool drawsLater() const;

    std::shared_ptr<const SessionResult> m_result;
    ViewStyle m_style;
    int m_highlight = -1;
    bool m_exporting = false;
    bool m_stale = false;        // a rebuild waits for the view to be shown
    bool m_replotLater = false;  // a replot waits for the view to be shown
    QString m_message;
    QString m_placeholderText;
    PlotCanvas* m_canvas = nullptr;
    QLabel* m_placeholder = nullptr;
    WorkPage* m_work = nullptr;
    bool m_showsWork = false;
    QStackedLayout* m_stack = nullptr;
    QCPTextElement* m_title = nullptr;
    QCPTextElement* m_subtitle = nullptr;
    QCPTextElement* m_formula = nullptr;
    QString m_formulaText;
    QString m_titleText;     // unwrapped; the element holds it wrapped to the width
    QString m_subtitleText;  // unwrapped; the element holds it wrapped to the width
    QCPLayoutGrid* m_body = nullptr;
    std::unique_ptr<HeatmapPanels> m_panels;
};

}  // namespace attnviz::ui
