#include "window/about_dialogs.h"

#include "window/default_models.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QFile>
#include <QHeaderView>
#include <QMainWindow>
#include <QShortcut>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace attnviz::ui {
namespace {

// Keys the views handle themselves (no QAction carries them).
struct ViewKey {
    const char* keys;
    const char* what;
};
constexpr ViewKey kViewKeys[] = {
    {"Left / Right", "previous / next head (head view)"},
    {"Up / Down", "previous / next layer (head view)"},
    {"Wheel, drag", "zoom, pan a heatmap"},
    {"Double-click", "reset the zoom"},
    {"Click a token", "highlight its row and column"},
};

QDialogButtonBox* closeButton(QDialog* dialog) {
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    return buttons;
}

}  // namespace

ShortcutsDialog::ShortcutsDialog(QMainWindow* window) : QDialog(window) {
    setWindowTitle(tr("Keyboard shortcuts"));
    m_table = new QTableWidget(0, 2, this);
    m_table->setObjectName(QStringLiteral("shortcutsTable"));
    m_table->setHorizontalHeaderLabels({tr("Keys"), tr("Does")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    const auto add = [this](const QString& keys, const QString& what) {
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        m_table->setItem(row, 0, new QTableWidgetItem(keys));
        m_table->setItem(row, 1, new QTableWidgetItem(what));
    };
    // Every action of the window with a shortcut, as the menus name it.
    for (const QAction* a : window->findChildren<QAction*>()) {
        if (a->shortcut().isEmpty()) continue;
        QString what = a->text();
        what.remove(QLatin1Char('&'));
        if (what.endsWith(QStringLiteral("..."))) what.chop(3);
        add(a->shortcut().toString(QKeySequence::NativeText), what);
    }
    // Shortcuts that are not menu actions say what they do in whatsThis.
    for (const QShortcut* s : window->findChildren<QShortcut*>()) {
        if (!s->key().isEmpty() && !s->whatsThis().isEmpty()) add(s->key().toString(QKeySequence::NativeText), s->whatsThis());
    }
    m_table->sortItems(1);
    for (const ViewKey& k : kViewKeys) add(tr(k.keys), tr(k.what));
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table);
    layout->addWidget(closeButton(this));
    resize(520, 560);
}

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("About attnviz"));
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("aboutText"));
    m_browser->setOpenExternalLinks(true);
    QString text =
        tr("# attnviz %1\n\n"
           "Shows the attention of every layer and head of a transformer, computed by the model on this computer as "
           "you type. Layers and heads are numbered from 0 everywhere; rows are queries, columns are keys.\n\n"
           "## Licences\n\n"
           "attnviz is free software under the **GNU General Public License, version 3 or later** "
           "(GPL-3.0-or-later). It is built on Qt 6 (LGPL-3.0), QCustomPlot 2.1 (GPL-3.0), Eigen (MPL-2.0), "
           "SentencePiece (Apache-2.0), OpenBLAS (BSD-3-Clause) and nlohmann/json (MIT).\n\n"
           "## Bundled models\n\n")
            .arg(QStringLiteral(ATTNVIZ_UI_VERSION));
    for (const DefaultModel& m : defaultModels()) {
        QFile card(m.dir + QStringLiteral("/README.md"));
        if (!card.open(QIODevice::ReadOnly)) continue;
        QString body = QString::fromUtf8(card.readAll());
        // The Hugging Face front matter (--- ... ---) is for the Hub, not for reading.
        if (body.startsWith(QStringLiteral("---"))) {
            const qsizetype end = body.indexOf(QStringLiteral("\n---"), 3);
            if (end > 0) body = body.mid(end + 4);
        }
        // One level down, under "Bundled models".
        body.replace(QStringLiteral("\n## "), QStringLiteral("\n#### "));
        body.replace(QStringLiteral("\n# "), QStringLiteral("\n### "));
        text += body.trimmed() + QStringLiteral("\n\n");
    }
    m_browser->setMarkdown(text);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_browser);
    layout->addWidget(closeButton(this));
    resize(760, 620);
}

}  // namespace attnviz::ui
