#include "window/tour_panel.h"

#include "attnviz/ui/session/session_model.h"
#include "attnviz/ui/window/main_window.h"
#include "panels/input_panel.h"
#include "window/default_models.h"
#include "window/view_state.h"
#include "window/word_link.h"

#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

namespace attnviz::ui {
namespace {

struct Step {
    const char* title;
    const char* text;
    int tab;  // the tab it opens, -1: leaves it
};

// Step 2's text is made from the run (linkText()).
constexpr int kLinkStep = 2;

const Step kSteps[] = {
    {"Welcome",
     "attnviz runs a real model on your computer and shows the attention of every layer and head. This tour uses "
     "the small GPT-2-style model that comes with attnviz (trained on public-domain books) and the sentence of the "
     "classic example:<br><br><i>The animal didn't cross the road because it was too tired.</i><br><br>"
     "Everything you will see is the model's own attention, computed again whenever the text changes.",
     0},
    {"One head",
     "The <b>Head</b> tab shows one head of one layer. Row <i>i</i> is the token that is looking (the query), "
     "column <i>j</i> the token looked at (the key), and every row sums to 1: a query divides its attention among "
     "the keys. The empty upper triangle is the causal mask: a GPT-style model cannot look ahead. Hover a cell for "
     "its value; choose other heads with <b>Head</b> above.",
     0},
    {"Which heads link \"it\" and \"animal\"?", "", 0},
    {"How that row is computed",
     "The <b>Explain</b> tab computes the row of \"it\" in this head from the model's own numbers, as attention is "
     "written: the query q = x W<sub>Q</sub> of \"it\", the key k and value v of every token, the dot products "
     "q\u00b7k, the scale 1/\u221ad, the mask, the softmax (the row sums to 1) and the weighted sum of the values "
     "that the head passes on. Hover any cell for its value; click another token's name to make it the query.",
     7},
    {"All heads at once",
     "The <b>Overview</b> shows every layer (rows) and head (columns) as a thumbnail, the mean of each layer last. "
     "Look for the kinds of heads: bright diagonals, lines just below the diagonal (previous token), a bright first "
     "column (a sink that parks attention on the first token). Click a thumbnail to open it.",
     1},
    {"Through the whole model",
     "One head only shows one step. <b>Aggregates</b> chains the layers: attention rollout and attention flow say "
     "how much of each input token reaches each position after all layers, value-weighted norms how much a head "
     "really passes on. Each shows its formula under the title.",
     4},
    {"Your turn",
     "Type your own text in <b>Input</b>. Set <b>Mask</b> to bidirectional and the model runs again as if it could "
     "look ahead. <b>F1</b> opens the help page of the view on screen; <b>Help &gt; Take the Tour</b> brings this "
     "tour back.",
     -1},
};

}  // namespace

TourPanel::TourPanel(MainWindow* window) : QDialog(window), m_window(window) {
    setWindowTitle(tr("attnviz tour"));
    setObjectName(QStringLiteral("tourPanel"));
    m_title = new QLabel(this);
    QFont bold = m_title->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.2);
    m_title->setFont(bold);
    m_text = new QLabel(this);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    m_text->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_text->setMinimumHeight(170);
    m_back = new QPushButton(tr("Back"), this);
    m_next = new QPushButton(tr("Next"), this);
    m_next->setDefault(true);
    auto* closeButton = new QPushButton(tr("Close"), this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(closeButton);
    buttons->addStretch(1);
    buttons->addWidget(m_back);
    buttons->addWidget(m_next);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_text, 1);
    layout->addLayout(buttons);
    setFixedWidth(420);

    connect(closeButton, &QPushButton::clicked, this, &QDialog::close);
    connect(m_back, &QPushButton::clicked, this, [this] { showStep(m_step - 1); });
    connect(m_next, &QPushButton::clicked, this, [this] {
        if (m_step + 1 >= stepCount()) close();
        else showStep(m_step + 1);
    });
    // Step 2 reads the run of the sentence; it may come after the step opens.
    connect(m_window->session(), &SessionModel::resultReady, this, [this] {
        if (isVisible() && m_step == kLinkStep) apply();
    });
}

int TourPanel::stepCount() const { return static_cast<int>(std::size(kSteps)); }

QString TourPanel::stepTitle() const { return tr(kSteps[m_step].title); }

QString TourPanel::stepText() const { return m_step == kLinkStep ? linkText() : tr(kSteps[m_step].text); }

void TourPanel::showStep(int index) {
    m_step = std::clamp(index, 0, stepCount() - 1);
    if (m_step == 0) {
        // The bundled causal model and the sentence, unless they are open.
        for (const DefaultModel& m : defaultModels()) {
            if (!m.causal) continue;
            const auto& open = m_window->session()->model();
            if (!open.isValid() || QDir::cleanPath(open.dir) != QDir::cleanPath(m.dir)) m_window->openModelFolder(m.dir);
            break;
        }
        QPlainTextEdit* edit = m_window->inputPanel()->textEdit();
        if (edit->toPlainText() != QLatin1String(kSentence)) edit->setPlainText(QString::fromLatin1(kSentence));
    }
    if (kSteps[m_step].tab >= 0) m_window->tabs()->setCurrentIndex(kSteps[m_step].tab);
    if (m_step == 1) m_window->viewState()->setHead({0, 0});
    apply();
}

void TourPanel::apply() {
    if (m_step == kLinkStep) {
        // Open the head that links them best, with the row of "it" lit.
        const auto& r = m_window->session()->result();
        if (r && r->trace && !r->isCross()) {
            const auto it = findWord(r->tokens, QStringLiteral("it"));
            const auto animal = findWord(r->tokens, QStringLiteral("animal"));
            if (it && animal) {
                const auto links = rankWordLinks(*r->trace, *it, *animal);
                if (!links.empty()) m_window->viewState()->setHead(links.front().head);
                m_window->viewState()->setHighlightToken(it->first + it->count - 1);
            }
        }
    }
    refresh();
}

void TourPanel::refresh() {
    m_title->setText(QStringLiteral("%1 (%2/%3)").arg(stepTitle()).arg(m_step + 1).arg(stepCount()));
    m_text->setText(stepText());
    m_back->setEnabled(m_step > 0);
    m_next->setText(m_step + 1 >= stepCount() ? tr("Finish") : tr("Next"));
}

QString TourPanel::linkText() const {
    const auto& r = m_window->session()->result();
    const QString intro =
        tr("A pronoun has to find what it refers to. attnviz scored every head by how much attention the token "
           "<i>it</i> gives the tokens of <i>animal</i>. ");
    if (!r || !r->trace || r->isCross()) return intro + tr("(Waiting for the run of the sentence.)");
    const auto it = findWord(r->tokens, QStringLiteral("it"));
    const auto animal = findWord(r->tokens, QStringLiteral("animal"));
    if (!it || !animal) {
        return intro + tr("The text on screen has no \"it\" after \"animal\": go back to step 1 to type the sentence "
                          "again.");
    }
    const auto links = rankWordLinks(*r->trace, *it, *animal);
    if (links.empty()) return intro;
    QStringList next;
    for (std::size_t k = 1; k < std::min<std::size_t>(4, links.size()); ++k) {
        next << QStringLiteral("%1 (%2)").arg(links[k].head.label()).arg(links[k].attention, 0, 'f', 2);
    }
    return intro + tr("The best is <b>%1</b>: %2 of its row goes to \"animal\" (next: %3). It is open now, the row "
                      "of <i>it</i> highlighted; compare what the row gives \"road\". A small model has few heads that "
                      "resolve pronouns; in larger trained models some heads do (Clark et al. 2019 found such "
                      "coreference heads in BERT).")
                       .arg(links.front().head.label())
                       .arg(links.front().attention, 0, 'f', 2)
                       .arg(next.join(QStringLiteral(", ")));
}

}  // namespace attnviz::ui
