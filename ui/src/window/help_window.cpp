#include "window/help_window.h"

#include <QHBoxLayout>
#include <QListWidget>
#include <QTextBrowser>
#include <QUrl>

namespace attnviz::ui {

const QList<HelpTopic>& helpTopics() {
    static const QList<HelpTopic> topics = {
        {QStringLiteral("basics"), QObject::tr("Attention in one page")},
        {QStringLiteral("masks"), QObject::tr("Causal, bidirectional, local, encoder-decoder")},
        {QStringLiteral("head"), QObject::tr("The head view")},
        {QStringLiteral("overview"), QObject::tr("The overview")},
        {QStringLiteral("compare"), QObject::tr("Compare")},
        {QStringLiteral("difference"), QObject::tr("Difference")},
        {QStringLiteral("aggregates"), QObject::tr("Aggregates: rollout, flow, value norms")},
        {QStringLiteral("heads"), QObject::tr("The Heads table")},
        {QStringLiteral("explain"), QObject::tr("Explain: one row from q, k and v")},
        {QStringLiteral("cross"), QObject::tr("Cross-attention, alignment, generation")},
    };
    return topics;
}

QString helpTopicForView(const QString& viewName) {
    for (const char* own : {"head", "overview", "compare", "difference"}) {
        if (viewName == QLatin1String(own)) return viewName;
    }
    for (const char* aggregate :
         {"rollout", "flow", "value-norms", "value-norms-normalized", "mean-heads", "max-heads", "mean-layers"}) {
        if (viewName == QLatin1String(aggregate)) return QStringLiteral("aggregates");
    }
    if (viewName == QLatin1String("alignment") || viewName == QLatin1String("generation")) return QStringLiteral("cross");
    if (viewName == QLatin1String("explain")) return QStringLiteral("explain");
    return QStringLiteral("basics");
}

HelpWindow::HelpWindow(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("attnviz help: what am I looking at?"));
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("helpTopics"));
    for (const HelpTopic& t : helpTopics()) {
        auto* item = new QListWidgetItem(t.title, m_list);
        item->setData(Qt::UserRole, t.id);
    }
    // Wide enough for every title: no horizontal scrolling in a list of nine.
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setFixedWidth(m_list->sizeHintForColumn(0) + 2 * m_list->frameWidth() + 24);
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("helpPage"));
    m_browser->setSearchPaths({QStringLiteral(":/help")});
    m_browser->setOpenExternalLinks(true);
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(m_list);
    layout->addWidget(m_browser, 1);
    resize(900, 600);

    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0 && row < helpTopics().size()) showTopic(helpTopics()[row].id);
    });
    // Links between pages ("masks.html") keep the list in step.
    connect(m_browser, &QTextBrowser::sourceChanged, this, [this](const QUrl& url) {
        const QString id = url.fileName().chopped(qMin<qsizetype>(5, url.fileName().size()));
        for (int i = 0; i < helpTopics().size(); ++i) {
            if (helpTopics()[i].id == id && m_list->currentRow() != i) {
                QSignalBlocker block(m_list);
                m_list->setCurrentRow(i);
                m_current = id;
            }
        }
    });
}

void HelpWindow::showTopic(const QString& id) {
    int row = 0;
    for (int i = 0; i < helpTopics().size(); ++i) {
        if (helpTopics()[i].id == id) row = i;
    }
    m_current = helpTopics()[row].id;
    {
        QSignalBlocker block(m_list);
        m_list->setCurrentRow(row);
    }
    m_browser->setSource(QUrl(QStringLiteral("qrc:/help/%1.html").arg(m_current)));
}

}  // namespace attnviz::ui
