#include "attnviz/ui/plot/plot_view.h"

#include "plot/heatmap_panel.h"
#include "plot/heatmap_panels.h"
#include "plot/plot_canvas.h"
#include "plot/qcp_style.h"
#include "plot/stretch.h"
#include "plot/work_page.h"
#include "plot/wrap_text.h"

#include <QKeyEvent>
#include <QLabel>
#include <QPageLayout>
#include <QPdfWriter>
#include <QStackedLayout>
#include <QSvgGenerator>
#include <QToolTip>

namespace attnviz::ui {
namespace {

constexpr int kFormulaFont = 11;

}  // namespace

PlotView::PlotView(QWidget* parent) : QWidget(parent), m_panels(std::make_unique<HeatmapPanels>()) {
    m_canvas = new PlotCanvas(this);
    m_placeholder = new QLabel(this);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setAutoFillBackground(true);
    m_stack = new QStackedLayout(this);
    m_stack->setContentsMargins(0, 0, 0, 0);
    m_stack->addWidget(m_canvas);
    m_stack->addWidget(m_placeholder);
    m_stack->setCurrentWidget(m_placeholder);

    // Root layout: spacer, title, subtitle, body, spacer. The spacers take
    // the room the body's square panels leave, so the figure stays centred.
    QCPLayoutGrid* root = m_canvas->plotLayout();
    root->clear();
    root->setRowSpacing(0);
    m_title = new QCPTextElement(m_canvas, QString(), PlotCanvas::font(15, true));
    m_title->setMargins(QMargins(8, 6, 8, 0));
    m_title->setTextFlags(Qt::AlignCenter);
    m_title->setMinimumSize(1, 0);  // wrapped like the subtitle (prepare hook below)
    m_subtitle = new QCPTextElement(m_canvas, QString(), PlotCanvas::font(12));
    setFigureRole(m_subtitle, FigureRole::Subtitle);
    m_subtitle->setMargins(QMargins(8, 2, 8, 4));
    m_subtitle->setTextFlags(Qt::AlignCenter);
    // Wrapped like the formula (prepare hook below).
    m_subtitle->setMinimumSize(1, 0);
    m_formula = new QCPTextElement(m_canvas, QString(), PlotCanvas::font(kFormulaFont));
    setFigureRole(m_formula, FigureRole::Formula);
    m_formula->setMargins(QMargins(12, 0, 12, 6));
    m_formula->setTextFlags(Qt::AlignCenter);
    m_formula->setVisible(false);  // outside the layout until a view sets a formula
    // The formula wraps to whatever width there is (prepare hook below), so
    // its one-line width must not become the plot's minimum width.
    m_formula->setMinimumSize(1, 0);
    m_body = new QCPLayoutGrid;
    root->addElement(0, 0, new QCPLayoutElement(m_canvas));
    root->addElement(1, 0, m_title);
    root->addElement(2, 0, m_subtitle);
    root->addElement(3, 0, m_body);
    root->addElement(4, 0, new QCPLayoutElement(m_canvas));
    root->setRowStretchFactors(stretchFactors(
        {Stretch::Margin, Stretch::Fixed, Stretch::Fixed, Stretch::Fill, Stretch::Margin}));
    m_body->setColumnSpacing(4);

    connect(m_canvas, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) { hover(e->position()); });
    connect(m_canvas, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
        resetZoom();
        refresh();
    });
    // A click is a press and release at (nearly) the same place; anything
    // else is a drag that pans the plot.
    auto pressPos = std::make_shared<QPointF>();
    connect(m_canvas, &QCustomPlot::mousePress, this, [pressPos](QMouseEvent* e) { *pressPos = e->position(); });
    connect(m_canvas, &QCustomPlot::mouseRelease, this, [this, pressPos](QMouseEvent* e) {
        if ((e->position() - *pressPos).manhattanLength() <= 4 && e->button() == Qt::LeftButton) {
            click(e->position(), e->modifiers());
        }
    });
    m_canvas->setFocusPolicy(Qt::StrongFocus);
    m_canvas->installEventFilter(this);
    // QCustomPlot's minimum size hint is its layout's (titles at full length,
    // every panel's labels): left to the window, the widest view would push
    // the docks aside. The figure squeezes instead; exports use their own size.
    m_canvas->setMinimumSize(240, 240);
    m_canvas->setLayoutHooks([this] { m_panels->clearSizeLimits(); }, [this] { return m_panels->fitLayout(); });
    m_canvas->setPrepareHook([this] {
        const int width = std::max(200, m_canvas->viewport().width() - 40);
        for (auto [element, text] : {std::pair{m_title, &m_titleText}, std::pair{m_subtitle, &m_subtitleText},
                                     std::pair{m_formula, &m_formulaText}}) {
            if (text->isEmpty()) continue;
            const QString wrapped =
                wrapText(*text, element->font(), width, element == m_title ? WrapAt::Phrases : WrapAt::Words);
            if (wrapped != element->text()) element->setText(wrapped);
        }
    });
}

bool PlotView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_canvas) {
        if (event->type() == QEvent::Leave) {
            clearHover();
            refresh();
            emit hoverText(QString());
        } else if (event->type() == QEvent::KeyPress && handleKey(static_cast<QKeyEvent*>(event))) {
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

PlotView::~PlotView() = default;

QCustomPlot* PlotView::plot() const { return m_canvas; }

void PlotView::setResult(std::shared_ptr<const SessionResult> result) {
    m_result = std::move(result);
    if (m_result && m_highlight >= m_result->tokenCount()) m_highlight = -1;
    redraw();
}

void PlotView::updateResult(std::shared_ptr<const SessionResult> result) {
    if (!m_result || !result || !result->sameAttention(*m_result)) {
        setResult(std::move(result));
        return;
    }
    m_result = std::move(result);
}

bool PlotView::drawsLater() const { return !m_exporting && !isVisible() && window()->isVisible(); }

void PlotView::ensureCurrent() {
    if (m_stale) {
        m_stale = false;
        redraw();
    }
}

void PlotView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_stale) {
        ensureCurrent();
        // The canvas may just have replaced the placeholder: give it its
        // place now, so the figure is laid out for the size it is shown at.
        m_stack->activate();
        m_stack->setGeometry(rect());
    } else if (m_replotLater) {
        refresh();
    }
}

void PlotView::setViewStyle(const ViewStyle& style) {
    if (style == m_style) return;
    m_style = style;
    redraw();
}

void PlotView::setHighlightToken(int token) {
    m_highlight = token;
    applyHighlight();
    refresh();
}

void PlotView::setPlaceholder(const QString& text) {
    m_placeholderText = text;
    setMessage(m_message);
}

void PlotView::setMessage(const QString& message) {
    m_message = message;
    if (m_result && m_message.isEmpty()) {
        m_showsWork = false;
        m_stack->setCurrentWidget(m_canvas);
    } else if (m_result && m_showsWork) {
        m_stack->setCurrentWidget(m_work);
    } else {
        m_showsWork = false;
        m_placeholder->setText(m_result ? m_message : m_placeholderText);
        m_stack->setCurrentWidget(m_placeholder);
    }
}

bool PlotView::noteLod(const QString& title, const QString& subtitle) {
    const HeatmapPanel* last = m_panels->back();
    if (!last || title.isEmpty()) return false;
    const QString note = last->lod().note();
    const QString full = note.isEmpty() ? subtitle
                                        : (subtitle.isEmpty() ? note : subtitle + QStringLiteral("   ·   ") + note);
    if (full == figureSubtitle()) return false;
    setTitles(title, full);
    refresh();  // once more, for the prepare hook to wrap the new subtitle
    return true;
}

void PlotView::setWork(const QString& text, int permille, const QString& button) {
    if (m_work == nullptr) {
        m_work = new WorkPage(this);
        m_stack->addWidget(m_work);
        connect(m_work, &WorkPage::buttonClicked, this, [this] { workButton(); });
        applyColors();
    }
    m_work->showWork(text, permille, button);
    m_showsWork = true;
    setMessage(text);
}

void PlotView::redraw() {
    if (drawsLater()) {
        m_stale = true;
        return;
    }
    m_stale = false;
    m_showsWork = false;
    m_message.clear();
    if (m_result) rebuild();
    setMessage(m_message);
    applyColors();
    refresh();
    emit redrawn();
}

void PlotView::applyColors() {
    const FigureColors c = figureColors(palette());
    applyFigureColors(m_canvas, c);
    QPalette pal = m_placeholder->palette();
    pal.setColor(QPalette::Window, c.background);
    pal.setColor(QPalette::WindowText, c.subtitle);
    m_placeholder->setPalette(pal);
    QFont f = m_placeholder->font();
    f.setPixelSize(15);
    m_placeholder->setFont(f);
    m_placeholder->setContentsMargins(24, 24, 24, 24);
    if (m_work != nullptr) {
        m_work->setPalette(pal);
        m_work->setFont(f);
    }
}

void PlotView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    // The system (or View > Theme) switched between light and dark.
    if (event->type() == QEvent::PaletteChange) redraw();
}

void PlotView::refresh() {
    m_replotLater = drawsLater();
    if (!m_replotLater) m_canvas->replot(QCustomPlot::rpQueuedReplot);
}

void PlotView::showHover(const QPointF& pos, const QString& toolTip, const QString& statusText) {
    QToolTip::showText(m_canvas->mapToGlobal(pos.toPoint()), toolTip, m_canvas);
    emit hoverText(statusText);
    refresh();
}

void PlotView::endHover() {
    clearHover();
    QToolTip::hideText();
    emit hoverText(QString());
    refresh();
}

void PlotView::toggleHighlight(int token) {
    if (token < 0) return;
    const int next = token == m_highlight ? -1 : token;
    setHighlightToken(next);
    emit tokenClicked(next);
}

void PlotView::click(const QPointF& pos, Qt::KeyboardModifiers) { toggleHighlight(m_panels->tokenAt(pos)); }

void PlotView::resetZoom() { m_panels->resetZoom(); }

void PlotView::clearHover() { m_panels->clearMarkers(); }

void PlotView::applyHighlight() { m_panels->setHighlightToken(m_highlight); }

void PlotView::setTitles(const QString& title, const QString& subtitle) {
    m_titleText = title;
    m_title->setText(title);
    m_subtitleText = subtitle;
    m_subtitle->setText(subtitle);
    m_subtitle->setMargins(subtitle.isEmpty() ? QMargins(0, 0, 0, 0) : QMargins(8, 2, 8, 6));
}

void PlotView::setFormula(const QString& formula) {
    if (formula == m_formulaText) return;
    const bool wasShown = !m_formulaText.isEmpty();
    m_formulaText = formula;
    m_formula->setText(formula);
    QCPLayoutGrid* root = m_canvas->plotLayout();
    // The formula's row exists only while there is one, so figures without
    // an aggregate keep their layout to the pixel.
    if (formula.isEmpty() && wasShown) {
        root->take(m_formula);
        root->simplify();
        m_formula->setVisible(false);
        root->setRowStretchFactors(stretchFactors(
            {Stretch::Margin, Stretch::Fixed, Stretch::Fixed, Stretch::Fill, Stretch::Margin}));
    } else if (!formula.isEmpty() && !wasShown) {
        root->insertRow(3);
        root->addElement(3, 0, m_formula);
        m_formula->setVisible(true);
        root->setRowStretchFactors(stretchFactors(
            {Stretch::Margin, Stretch::Fixed, Stretch::Fixed, Stretch::Fixed, Stretch::Fill, Stretch::Margin}));
    }
}

QString PlotView::figureTitle() const { return m_titleText; }

QString PlotView::figureSubtitle() const { return m_subtitleText; }

QString PlotView::exportProblem() const {
    if (!m_result) return tr("There is nothing to export yet: open a model and type a sentence.");
    return m_message;
}

QString PlotView::standardNotes(bool renormalised) const {
    QStringList notes;
    if (!m_result) return {};
    notes << QStringLiteral("mask: %1").arg(m_result->maskDescription());
    if (m_style.hideSpecial && m_result->hasSpecialTokens()) {
        QStringList specials;
        for (const TokenLabel& t : m_result->tokens) {
            if (t.special && !specials.contains(t.text)) specials << t.text;
        }
        const bool allSpecial = std::all_of(m_result->tokens.begin(), m_result->tokens.end(),
                                            [](const TokenLabel& t) { return t.special; });
        if (allSpecial) {
            notes << QStringLiteral("only special tokens: nothing hidden");
        } else {
            notes << (renormalised ? QStringLiteral("special tokens hidden (%1), rows renormalised")
                                   : QStringLiteral("special tokens hidden (%1)"))
                         .arg(specials.join(QStringLiteral(" ")));
        }
    }
    return notes.join(QStringLiteral("   ·   "));
}

QSize PlotView::layoutArea() const { return m_exporting ? QSize() : size(); }

void PlotView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (layoutOutdated()) redraw();
}

void PlotView::enterExport() {
    m_exporting = true;
    beginExport();
    if (layoutOutdated()) redraw();
}

void PlotView::leaveExport() {
    m_exporting = false;
    endExport();
    if (layoutOutdated()) redraw();
}

QImage PlotView::renderImage(QSize size, double scale) {
    ensureCurrent();
    clearHover();
    enterExport();
    QImage image = m_canvas->renderImage(size, scale);
    leaveExport();
    return image;
}

bool PlotView::writeSvg(QIODevice* device, QSize size) {
    ensureCurrent();
    clearHover();
    QSvgGenerator generator;
    generator.setOutputDevice(device);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    generator.setResolution(96);
    generator.setTitle(figureTitle());
    generator.setDescription(QStringLiteral("attnviz %1 view").arg(viewName()));
    QCPPainter painter;
    if (!painter.begin(&generator)) return false;
    enterExport();
    m_canvas->renderVector(&painter, size);
    leaveExport();
    return painter.end();
}

bool PlotView::writePdf(QIODevice* device, QSize size) {
    ensureCurrent();
    clearHover();
    QPdfWriter writer(device);
    writer.setResolution(72);  // one device unit per point: the figure's pixels become points
    writer.setPageLayout(QPageLayout(QPageSize(QSizeF(size), QPageSize::Point, QString(), QPageSize::ExactMatch),
                                     QPageLayout::Portrait, QMarginsF()));
    writer.setTitle(figureTitle());
    writer.setCreator(QStringLiteral("attnviz"));
    QCPPainter painter;
    if (!painter.begin(&writer)) return false;
    painter.setWindow(QRect(QPoint(0, 0), size));
    enterExport();
    m_canvas->renderVector(&painter, size);
    leaveExport();
    return painter.end();
}

}  // namespace attnviz::ui
