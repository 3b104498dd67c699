#include "panels/view_controls.h"

#include "panels/elided_label.h"
#include "attnviz/ui/window/theme.h"

#include "plot/lod_image.h"

#include <QLineEdit>
#include <QRegularExpression>
#include <QRegularExpressionValidator>

#include "attnviz/ui/session/session_result.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QShortcut>
#include <QLabel>
#include <QPainter>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QAction>
#include <QEvent>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

namespace attnviz::ui {
namespace {

enum MaskItem { kModelDefault, kCausal, kBidirectional, kWindow };

QIcon gradientIcon(Colormap map) {
    QPixmap pixmap(48, 12);
    QPainter p(&pixmap);
    for (int x = 0; x < pixmap.width(); ++x) {
        p.setPen(colormapColor(map, static_cast<double>(x) / (pixmap.width() - 1)));
        p.drawLine(x, 0, x, pixmap.height());
    }
    return QIcon(pixmap);
}

QLabel* caption(const QString& text, QWidget* parent) {
    auto* l = new QLabel(text, parent);
    setTextRole(l, TextRole::Muted);
    return l;
}

}  // namespace

ViewControls::ViewControls(QWidget* parent) : QWidget(parent) {
    m_layer = new QSpinBox(this);
    m_layer->setObjectName(QStringLiteral("layerSpin"));
    m_layer->setPrefix(QStringLiteral("L"));
    m_layer->setToolTip(tr("Layer, numbered from 0 (Up/Down or PgUp/PgDn on the heatmap)"));
    m_head = new QSpinBox(this);
    m_head->setObjectName(QStringLiteral("headSpin"));
    m_head->setPrefix(QStringLiteral("H"));
    m_head->setMinimum(-1);
    m_head->setSpecialValueText(tr("mean"));
    m_head->setToolTip(tr("Head, numbered from 0; below 0: the mean over the layer's heads (Left/Right on the heatmap)"));

    m_mask = new QComboBox(this);
    m_mask->setObjectName(QStringLiteral("maskCombo"));
    m_mask->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_mask->addItems({tr("model default"), tr("causal"), tr("bidirectional"), tr("sliding window")});
    m_mask->setToolTip(tr("Which keys each query may see. Anything but the model's own mask re-runs the model "
                          "with a mask it was not trained with.\n"
                          "On models with local layers (Mistral, GPT-Neo, Gemma 2, Phi-3, Longformer, ModernBERT) "
                          "causal and bidirectional change only the direction: a local layer keeps its window "
                          "(bidirectional mirrors a causal window; causal keeps the left half of a symmetric one) "
                          "and Longformer's global tokens stay global. A sliding window replaces every layer's "
                          "window."));
    m_window = new QSpinBox(this);
    m_window->setObjectName(QStringLiteral("windowSpin"));
    m_window->setRange(1, 8192);
    m_window->setValue(4);
    m_window->setSuffix(tr(" keys"));
    m_window->setToolTip(tr("Sliding window: each query sees itself and the keys just before it"));
    m_window->setVisible(false);
    m_global = new QLineEdit(QStringLiteral("0"), this);
    m_global->setObjectName(QStringLiteral("globalTokensEdit"));
    m_global->setPlaceholderText(tr("none"));
    m_global->setMaximumWidth(90);
    m_global->setToolTip(tr("Global attention (Longformer): the positions, from 0, that attend to every token and "
                            "that every token attends to, e.g. \"0, 5\". Empty: none. Other tokens see only "
                            "their local window."));
    m_global->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9, ]*")), m_global));
    m_globalCaption = caption(tr("Global"), this);
    // The status bar says it too: a long one is shortened with an ellipsis
    // (the tooltip keeps it whole) rather than widen the window.
    m_maskWarning = new ElidedLabel(this, 12);
    m_maskWarning->setObjectName(QStringLiteral("maskWarning"));
    m_maskWarning->setStyleSheet(QStringLiteral("QLabel { font-weight: bold; }"));
    setTextRole(m_maskWarning, TextRole::Warning);
    m_maskWarning->setMaximumWidth(420);

    m_colormap = new QComboBox(this);
    m_colormap->setObjectName(QStringLiteral("colormapCombo"));
    for (Colormap map : {Colormap::Viridis, Colormap::Magma, Colormap::Greys}) {
        m_colormap->addItem(gradientIcon(map), colormapName(map), static_cast<int>(map));
    }
    m_colormap->setIconSize(QSize(48, 12));
    m_range = new QComboBox(this);
    m_range->setObjectName(QStringLiteral("rangeCombo"));
    for (RangeMode mode : {RangeMode::Head, RangeMode::Shared, RangeMode::Fixed}) {
        m_range->addItem(rangeModeLabel(mode), static_cast<int>(mode));
    }
    m_range->setToolTip(tr("Colour range: this head's maximum, the maximum over all heads, or 0..1"));
    m_hideSpecial = new QCheckBox(tr("Hide specials"), this);
    m_hideSpecial->setObjectName(QStringLiteral("hideSpecialCheck"));
    m_hideSpecial->setToolTip(tr("Drop [CLS], [SEP], <s> ... and renormalise each row over the remaining keys"));
    m_steps = new QCheckBox(tr("Show steps"), this);
    m_steps->setObjectName(QStringLiteral("stepsCheck"));
    m_steps->setToolTip(tr("Show scores QK\u1d40/\u221ad, masked scores and probabilities side by side"));

    m_kindCaption = caption(tr("Attention"), this);
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("attentionKindCombo"));
    m_kind->addItems({tr("encoder"), tr("decoder"), tr("cross")});
    m_kind->setCurrentIndex(static_cast<int>(AttentionKind::Cross));
    m_kind->setToolTip(tr("Which attention of the encoder-decoder model every view shows:\n"
                          "encoder: source tokens attend to source tokens (Ctrl+Shift+E)\n"
                          "decoder: target tokens attend to earlier target tokens (Ctrl+Shift+D)\n"
                          "cross: target tokens (rows) attend to source tokens (columns) (Ctrl+Shift+X)"));
    for (const auto& entry : {std::pair{Qt::Key_E, AttentionKind::Encoder}, std::pair{Qt::Key_D, AttentionKind::Decoder},
                              std::pair{Qt::Key_X, AttentionKind::Cross}}) {
        const AttentionKind kind = entry.second;
        // Parented to the box: inert while it is hidden (other models).
        auto* shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | entry.first), m_kind);
        shortcut->setContext(Qt::WindowShortcut);
        // What Help > Keyboard Shortcuts lists for it.
        shortcut->setWhatsThis(tr("Attention: %1 (encoder-decoder models)").arg(attentionKindName(kind)));
        connect(shortcut, &QShortcut::activated, this, [this, kind] { setAttentionKind(kind); });
    }
    m_maskCaption = caption(tr("Mask"), this);

    m_lodMean = new QCheckBox(tr("Mean per pixel"), this);
    m_lodMean->setObjectName(QStringLiteral("lodMeanCheck"));
    m_lodMean->setToolTip(tr("A head of more than %1 tokens is drawn with one value per screen pixel: the max of the "
                             "cells it covers (unchecked, no strong link disappears) or their mean (checked)")
                              .arg(kMinLodSide));

    // Groups that stay together; a toolbar narrower than all of them puts the
    // last ones behind its extension button (moveInto).
    m_kindGroup = group({m_kindCaption, m_kind});
    group({caption(tr("Head"), this), m_layer, m_head});
    group({m_maskCaption, m_mask, m_window, m_globalCaption, m_global});
    group({caption(tr("Colours"), this), m_colormap, m_range});
    group({m_hideSpecial, m_lodMean, m_steps});
    m_warningGroup = group({m_maskWarning});
    m_warningGroup->setVisible(false);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    for (QWidget* g : m_groups) layout->addWidget(g);
    layout->addStretch(1);

    const auto headChangedSlot = [this] {
        if (!m_updating) emit headChanged(head());
    };
    connect(m_layer, &QSpinBox::valueChanged, this, headChangedSlot);
    connect(m_head, &QSpinBox::valueChanged, this, headChangedSlot);
    connect(m_mask, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_window->setVisible(index == kWindow);
        emitMask();
    });
    connect(m_window, &QSpinBox::valueChanged, this, [this] {
        if (m_mask->currentIndex() == kWindow) emitMask();
    });
    connect(m_global, &QLineEdit::editingFinished, this, [this] {
        if (!m_updating) emit globalTokensChanged(globalTokens());
    });
    connect(m_colormap, &QComboBox::currentIndexChanged, this, &ViewControls::emitStyle);
    connect(m_range, &QComboBox::currentIndexChanged, this, &ViewControls::emitStyle);
    connect(m_hideSpecial, &QCheckBox::toggled, this, &ViewControls::emitStyle);
    connect(m_lodMean, &QCheckBox::toggled, this, &ViewControls::emitStyle);
    connect(m_steps, &QCheckBox::toggled, this, [this](bool on) {
        if (!m_updating) emit showStepsChanged(on);
    });
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (!m_updating && index >= 0) emit attentionKindChanged(static_cast<AttentionKind>(index));
    });
    setModelShape(1, 1, core::MaskMode::causal());
    setGlobalAttention(false);
    setEncoderDecoder(false);
}

QWidget* ViewControls::group(std::initializer_list<QWidget*> widgets) {
    auto* g = new QWidget(this);
    auto* row = new QHBoxLayout(g);
    row->setContentsMargins(6, 2, 6, 2);
    row->setSpacing(6);
    for (QWidget* w : widgets) row->addWidget(w);
    m_groups.push_back(g);
    return g;
}

void ViewControls::updateExtensionIcon() {
    auto* button = m_toolbar ? m_toolbar->findChild<QToolButton*>(QStringLiteral("qt_toolbar_ext_button")) : nullptr;
    if (button == nullptr) return;
    const qreal ratio = button->devicePixelRatioF();
    const int side = 12;
    QPixmap pixmap(QSize(side, side) * ratio);
    pixmap.setDevicePixelRatio(ratio);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(m_toolbar->palette().color(QPalette::WindowText), 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    const bool vertical = m_toolbar->orientation() == Qt::Vertical;
    for (const double at : {2.0, 7.0}) {
        // ">>" (or "v v" when the toolbar stands upright)
        const QPolygonF chevron = vertical ? QPolygonF{{2, at}, {6, at + 3.5}, {10, at}}
                                           : QPolygonF{{at, 2}, {at + 3.5, 6}, {at, 10}};
        p.drawPolyline(chevron);
    }
    p.end();
    button->setIcon(QIcon(pixmap));
}

bool ViewControls::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_toolbar && (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)) {
        // After the toolbar's own handling, which may reset the icon.
        QTimer::singleShot(0, this, &ViewControls::updateExtensionIcon);
    }
    return QWidget::eventFilter(watched, event);
}

void ViewControls::moveInto(QToolBar* toolbar) {
    // The style draws the extension button's arrows in a fixed dark grey,
    // unreadable on a dark palette: draw them in the palette's text colour.
    m_toolbar = toolbar;
    toolbar->installEventFilter(this);
    connect(toolbar, &QToolBar::orientationChanged, this,
            [this] { QTimer::singleShot(0, this, &ViewControls::updateExtensionIcon); });
    updateExtensionIcon();
    for (QWidget* g : m_groups) {
        g->setVisible(true);  // from now on its action says
        m_groupActions.push_back(toolbar->addWidget(g));
    }
    hide();
    setGroupVisible(m_kindGroup, m_encoderDecoder);
    setGroupVisible(m_warningGroup, !m_maskWarning->text().isEmpty());
}

void ViewControls::setGroupVisible(QWidget* g, bool visible) {
    // A widget in a toolbar shows and hides through its action.
    for (std::size_t i = 0; i < m_groupActions.size(); ++i) {
        if (m_groups[i] == g) {
            m_groupActions[i]->setVisible(visible);
            return;
        }
    }
    g->setVisible(visible);
}

bool ViewControls::groupVisible(const QWidget* g) const {
    for (std::size_t i = 0; i < m_groupActions.size(); ++i) {
        if (m_groups[i] == g) return m_groupActions[i]->isVisible();
    }
    return !g->isHidden();
}

bool ViewControls::attentionKindShown() const { return groupVisible(m_kindGroup); }

void ViewControls::setEncoderDecoder(bool on) {
    m_encoderDecoder = on;
    setGroupVisible(m_kindGroup, on);
    m_maskCaption->setText(tr("Mask"));  // both self-attentions (the tooltip says so)
    if (on) m_mask->setItemText(kModelDefault, tr("model default"));
    // "model default" of an encoder-decoder model: each stack its own.
    m_mask->setItemData(kModelDefault, on ? tr("bidirectional encoder, causal decoder") : QVariant(), Qt::ToolTipRole);
    m_maskCaption->setToolTip(on ? tr("The mask applies to the encoder's and the decoder's self-attention; "
                                      "cross-attention has none. Model default: bidirectional encoder, causal decoder.")
                                 : QString());
}

AttentionKind ViewControls::attentionKind() const { return static_cast<AttentionKind>(std::max(0, m_kind->currentIndex())); }

void ViewControls::setAttentionKind(AttentionKind kind) {
    if (m_kind->currentIndex() == static_cast<int>(kind)) return;
    m_kind->setCurrentIndex(static_cast<int>(kind));  // emits attentionKindChanged
}

void ViewControls::setTraceMode(const QString& why) {
    if (m_maskTip.isEmpty()) {
        m_maskTip = m_mask->toolTip();
        m_stepsTip = m_steps->toolTip();
        m_globalTip = m_global->toolTip();
    }
    const bool on = !why.isEmpty();
    for (QWidget* w : std::initializer_list<QWidget*>{m_mask, m_window, m_global}) {
        w->setEnabled(!on);
    }
    m_mask->setToolTip(on ? why : m_maskTip);
    m_window->setToolTip(on ? why : QString());
    m_global->setToolTip(on ? why : m_globalTip);
    m_steps->setEnabled(!on);
    m_steps->setToolTip(on ? tr("A trace file holds the probabilities only, not the scores: %1").arg(why) : m_stepsTip);
}

void ViewControls::setGlobalAttention(bool available) {
    m_updating = true;
    m_globalAvailable = available;
    m_global->setText(QStringLiteral("0"));
    m_global->setVisible(available);
    m_globalCaption->setVisible(available);
    m_updating = false;
}

std::optional<std::vector<int>> ViewControls::globalTokens() const {
    if (!m_globalAvailable) return std::nullopt;
    std::vector<int> positions;
    for (const QString& part : m_global->text().split(QRegularExpression(QStringLiteral("[ ,]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int p = part.toInt(&ok);
        if (ok) positions.push_back(p);
    }
    return positions;
}

void ViewControls::setModelShape(int nLayers, int nHeads, core::MaskMode defaultMask) {
    m_updating = true;
    m_layer->setRange(0, std::max(0, nLayers - 1));
    m_head->setRange(-1, std::max(0, nHeads - 1));
    m_mask->setItemText(kModelDefault, m_encoderDecoder ? tr("model default")
                                                        : tr("model default (%1)").arg(maskLabel(defaultMask)));
    if (defaultMask.kind == core::MaskMode::Kind::Window) m_window->setValue(defaultMask.window);
    m_updating = false;
}

HeadRef ViewControls::head() const { return {m_layer->value(), m_head->value()}; }

void ViewControls::setHead(HeadRef head) {
    m_updating = true;
    m_layer->setValue(head.layer);
    m_head->setValue(head.head);
    m_updating = false;
}

core::MaskMode ViewControls::mask() const {
    switch (m_mask->currentIndex()) {
    case kCausal: return core::MaskMode::causal();
    case kBidirectional: return core::MaskMode::bidirectional();
    case kWindow: return core::MaskMode::slidingWindow(m_window->value());
    default: return core::MaskMode::defaultMode();
    }
}

void ViewControls::setMask(core::MaskMode mask) {
    m_updating = true;
    switch (mask.kind) {
    case core::MaskMode::Kind::Default: m_mask->setCurrentIndex(kModelDefault); break;
    case core::MaskMode::Kind::Causal: m_mask->setCurrentIndex(kCausal); break;
    case core::MaskMode::Kind::Bidirectional: m_mask->setCurrentIndex(kBidirectional); break;
    case core::MaskMode::Kind::Window:
        m_window->setValue(mask.window);
        m_mask->setCurrentIndex(kWindow);
        break;
    }
    m_window->setVisible(m_mask->currentIndex() == kWindow);
    m_updating = false;
}

ViewStyle ViewControls::viewStyle() const {
    ViewStyle s;
    s.colormap = static_cast<Colormap>(m_colormap->currentData().toInt());
    s.range = static_cast<RangeMode>(m_range->currentData().toInt());
    s.hideSpecial = m_hideSpecial->isChecked();
    s.lodMean = m_lodMean->isChecked();
    return s;
}

void ViewControls::setViewStyle(const ViewStyle& style) {
    m_updating = true;
    m_colormap->setCurrentIndex(std::max(0, m_colormap->findData(static_cast<int>(style.colormap))));
    m_range->setCurrentIndex(std::max(0, m_range->findData(static_cast<int>(style.range))));
    m_hideSpecial->setChecked(style.hideSpecial);
    m_lodMean->setChecked(style.lodMean);
    m_updating = false;
}

bool ViewControls::showSteps() const { return m_steps->isChecked(); }

void ViewControls::setShowSteps(bool show) {
    m_updating = true;
    m_steps->setChecked(show);
    m_updating = false;
}

void ViewControls::setMaskWarning(const QString& text) {
    m_maskWarning->setFullText(text);
    setGroupVisible(m_warningGroup, !text.isEmpty());
}

QString ViewControls::maskWarning() const { return m_maskWarning->fullText(); }

void ViewControls::emitMask() {
    if (!m_updating) emit maskChanged(mask());
}

void ViewControls::emitStyle() {
    if (!m_updating) emit viewStyleChanged(viewStyle());
}

}  // namespace attnviz::ui
