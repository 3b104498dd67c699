// The Explain tab: how one row of one head's attention comes about, on the
// model's own numbers (explain_figure.h draws it). It follows the head
// chosen above and the highlighted token (the query); clicking a key's token
// makes it the query. The window asks the session to capture the chosen
// layer (RunFeatures::captureLayer) while this tab is open.
#pragma once

#include "attnviz/ui/export/painted_figure.h"
#include "attnviz/ui/session/head_ref.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QScrollArea;
class QStackedLayout;

namespace attnviz::ui {

struct SessionResult;
struct ExplainData;
class ExplainFigure;
class ExplainCanvas;

class ExplainView : public QWidget, public PaintedFigure {
    Q_OBJECT

public:
    explicit ExplainView(QWidget* parent = nullptr);
    ~ExplainView() override;

    void setResult(std::shared_ptr<const SessionResult> result);
    void setHead(HeadRef head);
    HeadRef head() const { return m_head; }
    // -1: the last token.
    void setQuery(int query);
    int query() const;
    // Shows q * k_j in place of k_j (the query/key view).
    void setShowProducts(bool products);
    bool showsProducts() const;
    // Products: sort the dimensions by their share of this key's score (-1: natural order).
    void setSortKey(int key);

    // What is drawn (invalid while the view shows a message).
    const ExplainData& data() const;
    const ExplainFigure& figure() const { return *m_figure; }
    // Why there is no figure ("" when there is one).
    QString message() const;
    // The value under a point of the figure, as hovering there shows it;
    // a click there does what clicking the figure does.
    QString hoverAt(QPointF figurePoint);
    void clickAt(QPointF figurePoint);
    QSize canvasSize() const;

    // PaintedFigure.
    QString figureTitle() const override;
    QSize figureSize() const override;
    void render(QPainter& painter, QSize size) const override;
    QString exportProblem() const override;
    // The row's numbers as `attnviz-cli explain` writes them (core/explain_json.h), atomically.
    core::Status exportJson(const QString& path) const;

signals:
    // The user made another token the query (clicked its row).
    void queryChosen(int query);
    void hoverText(const QString& text);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    friend class ExplainCanvas;
    void rebuild();
    void showMessage(const QString& text);
    int figureWidth() const;

    std::shared_ptr<const SessionResult> m_result;
    HeadRef m_head;
    int m_query = -1;
    std::unique_ptr<ExplainFigure> m_figure;
    QString m_message;
    QComboBox* m_column = nullptr;
    QLabel* m_placeholder = nullptr;
    QScrollArea* m_scroll = nullptr;
    ExplainCanvas* m_canvas = nullptr;
    QStackedLayout* m_stack = nullptr;
};

}  // namespace attnviz::ui
