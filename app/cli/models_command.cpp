// attnviz-cli models: the models found on this machine (Hugging Face cache,
// Ollama, LM Studio, llama.cpp, added folders), as a table or JSON.
#include "commands.h"

#include "attnviz/core/model_discovery.h"
#include "attnviz/core/trace_json.h"

#include <algorithm>
#include <cstdio>

namespace attnviz::cli {

namespace {


// "12 x 12 (4)": layers x heads (kv heads); "?" for what is unknown.
std::string shapeText(const core::DiscoveredModel& m) {
    auto n = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string("?"); };
    if (!m.layers && !m.heads) return "";
    std::string s = n(m.layers) + " x " + n(m.heads);
    if (m.kvHeads && m.heads && *m.kvHeads != *m.heads) s += " (" + n(m.kvHeads) + ")";
    return s;
}

void appendOptional(std::string& out, const char* key, const std::optional<std::uint64_t>& v) {
    out += std::string(",\"") + key + "\":" + (v ? std::to_string(*v) : std::string("null"));
}

std::string modelsJson(const std::vector<core::DiscoveredModel>& models) {
    std::string out = "{\"models\":[";
    for (std::size_t i = 0; i < models.size(); ++i) {
        const core::DiscoveredModel& m = models[i];
        auto widen = [](const std::optional<int>& v) {
            return v ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*v)) : std::nullopt;
        };
        out += i ? ",{\"name\":" : "{\"name\":";
        core::appendJsonString(out, m.name);
        out += ",\"source\":";
        core::appendJsonString(out, m.source);
        out += ",\"path\":";
        core::appendJsonString(out, m.path.string());
        out += ",\"architecture\":";
        core::appendJsonString(out, m.architecture);
        appendOptional(out, "parameters", m.parameters);
        appendOptional(out, "layers", widen(m.layers));
        appendOptional(out, "heads", widen(m.heads));
        appendOptional(out, "kv_heads", widen(m.kvHeads));
        out += ",\"dtype\":";
        core::appendJsonString(out, m.dtype);
        out += ",\"bytes\":" + std::to_string(m.bytes);
        out += std::string(",\"supported\":") + (m.supported ? "true" : "false");
        out += ",\"reason\":";
        core::appendJsonString(out, m.reason);
        out += "}";
    }
    return out + "]}\n";
}

std::string modelsTable(const std::vector<core::DiscoveredModel>& models) {
    const std::vector<std::string> header = {"NAME", "SOURCE", "ARCHITECTURE", "PARAMS", "LAYERS x HEADS (KV)",
                                             "DTYPE", "SIZE", "OPENS", "NOTE"};
    std::vector<std::vector<std::string>> rows;
    for (const core::DiscoveredModel& m : models) {
        rows.push_back({m.name, m.source, m.architecture.empty() ? "?" : m.architecture,
                        m.parameters ? core::parameterCountText(*m.parameters) : "?", shapeText(m), m.dtype.empty() ? "?" : m.dtype,
                        core::fileSizeText(m.bytes), m.supported ? "yes" : "no", m.reason});
    }
    std::vector<std::size_t> width(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) {
        width[c] = header[c].size();
        for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
    }
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string s;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const bool last = c + 1 == cells.size();
            const bool right = c == 3 || c == 6;  // numbers
            const std::string pad(last ? 0 : width[c] - cells[c].size(), ' ');
            s += right ? pad + cells[c] : cells[c] + pad;
            if (!last) s += "  ";
        }
        while (!s.empty() && s.back() == ' ') s.pop_back();
        return s + "\n";
    };
    std::string out = line(header);
    for (const auto& r : rows) out += line(r);
    return out;
}

}  // namespace

int runModels(const std::vector<std::string>& args) {
    bool json = false;
    std::vector<std::filesystem::path> added;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--json") {
            json = true;
        } else if (args[i] == "--add") {
            std::size_t n = 0;
            while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
                added.emplace_back(args[++i]);
                ++n;
            }
            if (n == 0) return fail("option '--add' needs one or more folders");
        } else {
            return fail("unknown option '" + args[i] + "' (see --help)");
        }
    }
    const core::DiscoveryListing listing = core::discoverModels(core::defaultDiscoveryRoots(added));
    for (const std::string& w : listing.warnings) warn(w);
    const std::string out = json ? modelsJson(listing.models) : modelsTable(listing.models);
    std::fputs(out.c_str(), stdout);
    if (!json && listing.models.empty()) {
        std::fputs("(no models found; `attnviz-cli models --add DIR` looks in DIR too)\n", stdout);
    }
    return std::fflush(stdout) == 0 ? 0 : fail("cannot write to standard output");
}

}  // namespace attnviz::cli
