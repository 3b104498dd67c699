#include "window/app_settings.h"

#include <QDir>

#include <algorithm>

namespace attnviz::ui {

AppSettings::AppSettings() : m_settings(QStringLiteral("attnviz"), QStringLiteral("attnviz")) {}

QByteArray AppSettings::windowGeometry() const { return m_settings.value("window/geometry").toByteArray(); }
void AppSettings::setWindowGeometry(const QByteArray& geometry) { m_settings.setValue("window/geometry", geometry); }
QByteArray AppSettings::windowState() const { return m_settings.value("window/state").toByteArray(); }
void AppSettings::setWindowState(const QByteArray& state) { m_settings.setValue("window/state", state); }

ViewStyle AppSettings::viewStyle() const {
    ViewStyle style;
    if (auto map = colormapFromName(m_settings.value("view/colormap").toString()); map && *map != Colormap::Diverging) {
        style.colormap = *map;
    }
    if (auto range = rangeModeFromName(m_settings.value("view/range").toString())) style.range = *range;
    style.hideSpecial = m_settings.value("view/hideSpecial", false).toBool();
    style.lodMean = m_settings.value("view/lodMean", false).toBool();
    return style;
}

void AppSettings::setViewStyle(const ViewStyle& style) {
    m_settings.setValue("view/colormap", colormapName(style.colormap));
    m_settings.setValue("view/range", rangeModeName(style.range));
    m_settings.setValue("view/hideSpecial", style.hideSpecial);
    m_settings.setValue("view/lodMean", style.lodMean);
}

bool AppSettings::groupByKv() const { return m_settings.value("view/groupByKv", false).toBool(); }
void AppSettings::setGroupByKv(bool grouped) { m_settings.setValue("view/groupByKv", grouped); }

QString AppSettings::lastModel() const { return m_settings.value("session/lastModel").toString(); }
void AppSettings::setLastModel(const QString& dir) { m_settings.setValue("session/lastModel", dir); }
QString AppSettings::lastText() const { return m_settings.value("session/lastText").toString(); }
void AppSettings::setLastText(const QString& text) { m_settings.setValue("session/lastText", text); }
QString AppSettings::lastPair() const { return m_settings.value("session/lastPair").toString(); }
void AppSettings::setLastPair(const QString& text) { m_settings.setValue("session/lastPair", text); }

QString AppSettings::exportDir() const { return m_settings.value("export/dir").toString(); }
void AppSettings::setExportDir(const QString& dir) { m_settings.setValue("export/dir", dir); }
double AppSettings::exportScale() const { return m_settings.value("export/scale", 2.0).toDouble(); }
void AppSettings::setExportScale(double scale) { m_settings.setValue("export/scale", scale); }
core::GenerateOptions AppSettings::generateOptions() const {
    core::GenerateOptions o;
    o.maxNewTokens = std::clamp(m_settings.value("generate/maxNewTokens", 20).toInt(), 1, 1024);
    o.temperature = std::clamp(m_settings.value("generate/temperature", 0.0).toDouble(), 0.0, 5.0);
    o.topK = std::max(0, m_settings.value("generate/topK", 0).toInt());
    o.seed = static_cast<std::uint64_t>(std::max(0, m_settings.value("generate/seed", 0).toInt()));
    return o;
}

void AppSettings::setGenerateOptions(const core::GenerateOptions& o) {
    m_settings.setValue("generate/maxNewTokens", o.maxNewTokens);
    m_settings.setValue("generate/temperature", o.temperature);
    m_settings.setValue("generate/topK", o.topK);
    m_settings.setValue("generate/seed", static_cast<int>(o.seed));
}

bool AppSettings::tourSeen() const { return m_settings.value("help/tourSeen", false).toBool(); }
void AppSettings::setTourSeen(bool seen) { m_settings.setValue("help/tourSeen", seen); }
bool AppSettings::showSteps() const { return m_settings.value("view/showSteps", false).toBool(); }
void AppSettings::setShowSteps(bool show) { m_settings.setValue("view/showSteps", show); }
bool AppSettings::predictionsWanted() const { return m_settings.value("view/predictions", true).toBool(); }
void AppSettings::setPredictionsWanted(bool wanted) { m_settings.setValue("view/predictions", wanted); }
QString AppSettings::analysisKind() const { return m_settings.value("view/analysisKind").toString(); }
void AppSettings::setAnalysisKind(const QString& name) { m_settings.setValue("view/analysisKind", name); }

QString AppSettings::lastHead() const { return m_settings.value("view/head").toString(); }
void AppSettings::setLastHead(const QString& head) { m_settings.setValue("view/head", head); }
int AppSettings::lastTab() const { return m_settings.value("view/tab", -1).toInt(); }
void AppSettings::setLastTab(int index) { m_settings.setValue("view/tab", index); }
QString AppSettings::lastMask() const { return m_settings.value("view/mask", QStringLiteral("default")).toString(); }
void AppSettings::setLastMask(const QString& mask) { m_settings.setValue("view/mask", mask); }
QString AppSettings::attentionKind() const { return m_settings.value("view/attentionKind").toString(); }
void AppSettings::setAttentionKind(const QString& name) { m_settings.setValue("view/attentionKind", name); }
QString AppSettings::lastTarget() const { return m_settings.value("session/lastTarget").toString(); }
void AppSettings::setLastTarget(const QString& text) { m_settings.setValue("session/lastTarget", text); }

QStringList AppSettings::addedModelFolders() const { return m_settings.value("models/addedFolders").toStringList(); }
void AppSettings::setAddedModelFolders(const QStringList& folders) { m_settings.setValue("models/addedFolders", folders); }

QStringList AppSettings::recentModels() const { return m_settings.value("session/recentModels").toStringList(); }

void AppSettings::addRecentModel(const QString& dir) {
    const QString clean = QDir::cleanPath(dir);
    QStringList list = recentModels();
    list.removeAll(clean);
    list.prepend(clean);
    while (list.size() > kMaxRecentModels) list.removeLast();
    m_settings.setValue("session/recentModels", list);
}

void AppSettings::removeRecentModel(const QString& dir) {
    QStringList list = recentModels();
    list.removeAll(QDir::cleanPath(dir));
    m_settings.setValue("session/recentModels", list);
}

}  // namespace attnviz::ui
