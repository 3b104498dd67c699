// --model REFERENCE: a path as given, else a name of the listing.
#include "discovery/discovery_walk.h"

#include <algorithm>
#include <cctype>

namespace attnviz::core {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The names a row answers to: its name, every tail after a "/" (so
// "bert-base-uncased" finds "google-bert/bert-base-uncased"), its file
// (and the file's stem for .gguf), and Ollama names without ":latest".
std::vector<std::string> keysOf(const DiscoveredModel& m) {
    std::vector<std::string> keys;
    auto withTails = [&](const std::string& name) {
        keys.push_back(name);
        for (std::size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
            if (slash + 1 < name.size()) keys.push_back(name.substr(slash + 1));
        }
    };
    withTails(m.name);
    const std::string latest = ":latest";
    if (m.source == "ollama" && m.name.size() > latest.size() &&
        m.name.compare(m.name.size() - latest.size(), latest.size(), latest) == 0) {
        withTails(m.name.substr(0, m.name.size() - latest.size()));
    }
    if (m.path.extension() == ".gguf") {
        keys.push_back(m.path.filename().string());
        keys.push_back(m.path.stem().string());
    }
    return keys;
}

// Edit distance, for "did you mean" (names are short; longer ones are cut).
std::size_t editDistance(const std::string& a, const std::string& b) {
    const std::string x = a.substr(0, 128);
    const std::string y = b.substr(0, 128);
    std::vector<std::size_t> row(y.size() + 1);
    for (std::size_t j = 0; j <= y.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= x.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= y.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (x[i - 1] == y[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[y.size()];
}

// A reference that can only mean a path: no listed name starts so.
bool onlyAPath(const std::string& reference) {
    return fs::path(reference).is_absolute() || reference.rfind("./", 0) == 0 || reference.rfind("../", 0) == 0 ||
           reference.rfind("~", 0) == 0 || reference == "." || reference == "..";
}

std::string rowLabel(const DiscoveredModel& m) { return m.name + " (" + m.source + ")"; }

// Up to five rows whose names are near `reference`, nearest first.
std::string closeMatches(const std::string& reference, const std::vector<DiscoveredModel>& models) {
    const std::string ref = lower(reference);
    std::vector<std::pair<std::size_t, std::string>> near;
    for (const DiscoveredModel& m : models) {
        std::size_t best = std::string::npos;
        for (const std::string& key : keysOf(m)) {
            const std::string k = lower(key);
            // A name holding what was typed is closest; a name held in it
            // counts only when it is not a mere letter or two ("a").
            const std::size_t d = k.find(ref) != std::string::npos                     ? 0
                                  : k.size() >= 4 && ref.find(k) != std::string::npos ? 1
                                                                                      : editDistance(k, ref);
            best = std::min(best, d);
        }
        if (best <= std::max<std::size_t>(2, ref.size() / 3)) near.emplace_back(best, rowLabel(m));
    }
    std::sort(near.begin(), near.end());
    std::string out;
    for (std::size_t i = 0; i < near.size() && i < 5; ++i) out += (i ? ", " : "") + near[i].second;
    return out;
}

}  // namespace

Result<fs::path> resolveModelReference(std::string_view referenceView, const std::vector<DiscoveredModel>& models) {
    const std::string reference(referenceView);
    if (reference.empty()) return makeError(ErrorCode::InvalidInput, "the model name is empty");
    std::error_code ec;
    if (fs::exists(fs::path(reference), ec) || discovery::isBrokenLink(reference)) return fs::path(reference);

    for (const bool ignoreCase : {false, true}) {
        const std::string ref = ignoreCase ? lower(reference) : reference;
        std::vector<const DiscoveredModel*> matches;
        for (const DiscoveredModel& m : models) {
            for (const std::string& key : keysOf(m)) {
                if ((ignoreCase ? lower(key) : key) == ref) {
                    matches.push_back(&m);
                    break;
                }
            }
        }
        if (matches.size() == 1) {
            const DiscoveredModel& m = *matches.front();
            if (!m.supported) {
                return makeError(ErrorCode::Unsupported,
                                 "'" + reference + "' is " + rowLabel(m) + ", which attnviz cannot open: " + m.reason);
            }
            return m.path;
        }
        if (matches.size() > 1) {
            std::string list;
            for (std::size_t i = 0; i < matches.size() && i < 8; ++i) list += (i ? ", " : "") + rowLabel(*matches[i]);
            if (matches.size() > 8) list += ", ...";
            return makeError(ErrorCode::InvalidInput, "'" + reference + "' names " + std::to_string(matches.size()) +
                                                          " models: " + list + "; give the full name or the path");
        }
    }
    const std::string near = closeMatches(reference, models);
    if (onlyAPath(reference) || fs::path(reference).extension() == ".gguf") {
        return makeError(ErrorCode::Io, "'" + reference + "' does not exist" +
                                            (near.empty() ? std::string() : " (listed models with close names: " + near + ")"));
    }
    std::string message = "'" + reference + "' is not a folder or file, and no listed model (of " +
                          std::to_string(models.size()) +
                          " in the Hugging Face cache, Ollama, LM Studio, llama.cpp and added folders) is named so";
    message += near.empty() ? std::string("; `attnviz-cli models` lists them") : "; close: " + near;
    return makeError(ErrorCode::InvalidInput, message);
}

Result<fs::path> resolveModelReference(std::string_view reference, const std::vector<fs::path>& addedFolders) {
    std::error_code ec;
    const fs::path asPath{std::string(reference)};
    if (!reference.empty() && (fs::exists(asPath, ec) || discovery::isBrokenLink(asPath))) return asPath;
    if (onlyAPath(std::string(reference))) return makeError(ErrorCode::Io, "'" + std::string(reference) + "' does not exist");
    return resolveModelReference(reference, discoverModels(defaultDiscoveryRoots(addedFolders)).models);
}

}  // namespace attnviz::core
