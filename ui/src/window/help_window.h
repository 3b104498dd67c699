// "What am I looking at?": the help pages (resources/help, compiled in as
// qrc:/help/<topic>.html) in a window of their own, a topic list beside the
// page. F1 opens the page of the view on screen.
#pragma once

#include <QDialog>
#include <QString>
#include <QStringList>

class QListWidget;
class QTextBrowser;

namespace attnviz::ui {

struct HelpTopic {
    QString id;     // file name without .html
    QString title;  // as listed
};

// Every page, in the order the list shows them.
const QList<HelpTopic>& helpTopics();
// The page about a view (PlotView::viewName(): "head", "overview",
// "rollout", ...), "basics" for anything else.
QString helpTopicForView(const QString& viewName);

class HelpWindow : public QDialog {
    Q_OBJECT

public:
    explicit HelpWindow(QWidget* parent = nullptr);

    // Shows page `id` (an unknown id shows the basics).
    void showTopic(const QString& id);
    QString currentTopic() const { return m_current; }
    QTextBrowser* browser() const { return m_browser; }

private:
    QListWidget* m_list = nullptr;
    QTextBrowser* m_browser = nullptr;
    QString m_current;
};

}  // namespace attnviz::ui
