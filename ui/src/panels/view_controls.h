// The controls above the views: layer and head (0-based), the attention mask
// (the model's own, causal, bidirectional or a sliding window), colormap,
// colour range mode, hiding special tokens and showing the score steps.
#pragma once

#include "attnviz/core/mask_mode.h"
#include "attnviz/ui/plot/view_style.h"
#include "attnviz/ui/session/attention_kind.h"
#include "attnviz/ui/session/head_ref.h"

#include <QWidget>

#include <initializer_list>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QToolBar;
class QAction;

namespace attnviz::ui {

class ElidedLabel;

class ViewControls : public QWidget {
    Q_OBJECT

public:
    explicit ViewControls(QWidget* parent = nullptr);

    void setModelShape(int nLayers, int nHeads, core::MaskMode defaultMask);
    HeadRef head() const;
    void setHead(HeadRef head);
    core::MaskMode mask() const;
    void setMask(core::MaskMode mask);
    ViewStyle viewStyle() const;
    void setViewStyle(const ViewStyle& style);
    bool showSteps() const;
    void setShowSteps(bool show);
    // A warning next to the mask choice ("" hides it).
    void setMaskWarning(const QString& text);
    // Longformer: the positions with global attention, typed as "0, 5". The
    // field shows only for models with global attention; a new model starts
    // from its default (the first token).
    void setGlobalAttention(bool available);
    std::optional<std::vector<int>> globalTokens() const;
    // A trace file is open (`why` non-empty): the mask, the global tokens and
    // the steps (no scores in a trace) are off, their tooltips say why.
    void setTraceMode(const QString& why);
    // Encoder-decoder models: the "Attention: encoder / decoder / cross"
    // choice shows (shortcuts Ctrl+Shift+E, D, X), and the mask box says it
    // applies to both self-attentions. Hidden for other models.
    void setEncoderDecoder(bool on);
    bool isEncoderDecoder() const { return m_encoderDecoder; }
    AttentionKind attentionKind() const;
    void setAttentionKind(AttentionKind kind);
    QComboBox* attentionKindCombo() const { return m_kind; }
    // The Attention box is offered (encoder-decoder models).
    bool attentionKindShown() const;
    QString maskWarning() const;
    // Adds the controls to `toolbar` as separate groups (attention, head,
    // mask, colours, options, warning), so a narrow window shows the last
    // ones behind the toolbar's extension button; this widget itself then
    // stays hidden, still the place to read and set them.
    void moveInto(QToolBar* toolbar);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

signals:
    void headChanged(attnviz::ui::HeadRef head);
    void maskChanged(attnviz::core::MaskMode mask);
    void viewStyleChanged(const attnviz::ui::ViewStyle& style);
    void showStepsChanged(bool show);
    void globalTokensChanged(std::optional<std::vector<int>> positions);
    void attentionKindChanged(attnviz::ui::AttentionKind kind);

private:
    void emitMask();
    void emitStyle();
    QWidget* group(std::initializer_list<QWidget*> widgets);
    void setGroupVisible(QWidget* group, bool visible);
    bool groupVisible(const QWidget* group) const;
    void updateExtensionIcon();

    QToolBar* m_toolbar = nullptr;  // after moveInto

    std::vector<QWidget*> m_groups;
    std::vector<QAction*> m_groupActions;  // after moveInto: each group's action, in order
    QWidget* m_kindGroup = nullptr;
    QWidget* m_warningGroup = nullptr;

    QLabel* m_kindCaption = nullptr;
    QComboBox* m_kind = nullptr;
    QLabel* m_maskCaption = nullptr;
    bool m_encoderDecoder = false;
    QSpinBox* m_layer = nullptr;
    QSpinBox* m_head = nullptr;
    QComboBox* m_mask = nullptr;
    QSpinBox* m_window = nullptr;
    ElidedLabel* m_maskWarning = nullptr;
    QLabel* m_globalCaption = nullptr;
    QLineEdit* m_global = nullptr;
    bool m_globalAvailable = false;
    QComboBox* m_colormap = nullptr;
    QComboBox* m_range = nullptr;
    QCheckBox* m_hideSpecial = nullptr;
    QCheckBox* m_lodMean = nullptr;
    QCheckBox* m_steps = nullptr;
    bool m_updating = false;
    QString m_maskTip;   // the tooltips outside trace mode
    QString m_stepsTip;
    QString m_globalTip;
};

}  // namespace attnviz::ui
