// Ollama's store: manifests/<registry>/<namespace>/<name>/<tag> are JSON
// manifests whose layer of mediaType application/vnd.ollama.image.model
// names, by digest sha256:<hex>, the blob blobs/sha256-<hex>: a GGUF file.
#include "discovery/discovery_walk.h"

#include "json_file.h"
#include "message_text.h"

#include <algorithm>
#include <vector>

namespace attnviz::core::discovery {

namespace {

constexpr const char* kModelMediaType = "application/vnd.ollama.image.model";
constexpr const char* kDefaultRegistry = "registry.ollama.ai";

// "llama3.2:1b", "user/model:tag", "hf.co/org/repo:Q4_K_M".
std::string displayName(const std::string& registry, const std::string& ns, const std::string& name,
                        const std::string& tag) {
    std::string out;
    if (registry != kDefaultRegistry) {
        out = registry + "/" + ns + "/";
    } else if (ns != "library") {
        out = ns + "/";
    }
    return out + name + ":" + tag;
}

// The blob file of a digest, or why the digest is not one.
Result<fs::path> blobOf(const fs::path& root, const std::string& digest, const fs::path& manifest) {
    const std::string prefix = "sha256:";
    const std::string hex = digest.rfind(prefix, 0) == 0 ? digest.substr(prefix.size()) : std::string();
    const bool isHex = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                       });
    if (!isHex) {
        return makeError(ErrorCode::CorruptFile, "manifest " + quoted(manifest) + ": digest " + quotedForMessage(digest) +
                                                     " is not sha256:<64 hex digits>");
    }
    return root / "blobs" / ("sha256-" + hex);
}

// A manifest that leads to no model: a row of 0 bytes (the manifest is not the model).
DiscoveredModel manifestRow(const fs::path& manifest, std::string name, std::string reason) {
    DiscoveredModel row = unsupportedRow(manifest, std::move(name), "ollama", std::move(reason));
    row.bytes = 0;
    return row;
}

// The model layer of one manifest as a row.
DiscoveredModel describeManifest(const fs::path& root, const fs::path& manifest, std::string name) {
    std::error_code ec;
    if (!fs::is_regular_file(manifest, ec)) {  // a FIFO would block the read
        return manifestRow(manifest, std::move(name), "manifest " + quoted(manifest) + " is not a regular file");
    }
    auto json = readJsonFile(manifest);
    if (!json) return manifestRow(manifest, std::move(name), json.error());
    const auto layers = json->is_object() ? json->find("layers") : json->end();
    if (!json->is_object() || layers == json->end() || !layers->is_array()) {
        return manifestRow(manifest, std::move(name),
                              "manifest " + quoted(manifest) + " has no \"layers\" array");
    }
    std::string modelDigest;
    std::vector<std::string> digests;
    for (const auto& layer : *layers) {
        if (!layer.is_object()) continue;
        const auto digest = layer.find("digest");
        if (digest == layer.end() || !digest->is_string()) continue;
        digests.push_back(digest->get<std::string>());
        const auto type = layer.find("mediaType");
        if (type != layer.end() && type->is_string() && type->get<std::string>() == kModelMediaType &&
            modelDigest.empty()) {
            modelDigest = digest->get<std::string>();
        }
    }
    if (modelDigest.empty()) {
        return manifestRow(manifest, std::move(name),
                              "manifest " + quoted(manifest) + " has no layer of mediaType " + kModelMediaType);
    }
    auto blob = blobOf(root, modelDigest, manifest);
    if (!blob) return manifestRow(manifest, std::move(name), blob.error());
    if (!fs::exists(*blob, ec)) {
        return manifestRow(manifest, std::move(name),
                              "the model blob " + quoted(*blob) + " of manifest " + quoted(manifest) +
                                  " is missing (an interrupted pull? run `ollama pull` again)");
    }
    DiscoveredModel row = describeGgufFile(*blob, std::move(name), "ollama");
    // On disk: every layer the manifest names (template, license, params too).
    for (const std::string& digest : digests) {
        if (digest == modelDigest) continue;
        if (auto other = blobOf(root, digest, manifest)) row.bytes += bytesOnDisk(*other);
    }
    return row;
}

// The sub-folders (or, at the last level, files) of `dir`, sorted.
std::vector<fs::path> children(const fs::path& dir, bool files, Walk& walk) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (!walk.step(dir)) break;
        std::error_code sec;
        const bool wanted = files ? !it->is_directory(sec) : it->is_directory(sec);
        if (wanted && it->path().filename().string().front() != '.') out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The digest of a manifest's model layer ("" when it has none or is not JSON).
std::string modelDigestOf(const fs::path& manifest) {
    std::error_code ec;
    if (!fs::is_regular_file(manifest, ec)) return {};
    auto json = readJsonFile(manifest);
    if (!json || !json->is_object()) return {};
    const auto layers = json->find("layers");
    if (layers == json->end() || !layers->is_array()) return {};
    for (const auto& layer : *layers) {
        if (!layer.is_object()) continue;
        const auto type = layer.find("mediaType");
        const auto digest = layer.find("digest");
        if (type != layer.end() && type->is_string() && type->get<std::string>() == kModelMediaType &&
            digest != layer.end() && digest->is_string()) {
            return digest->get<std::string>();
        }
    }
    return {};
}

}  // namespace

std::string ollamaNameOfBlob(const fs::path& root, const fs::path& blob, Walk& walk) {
    const std::string file = blob.filename().string();
    const std::string prefix = "sha256-";
    if (file.rfind(prefix, 0) != 0) return {};
    const std::string digest = "sha256:" + file.substr(prefix.size());
    std::error_code ec;
    const fs::path manifests = root / "manifests";
    if (!fs::is_directory(manifests, ec)) return {};
    for (const fs::path& registry : children(manifests, false, walk)) {
        for (const fs::path& ns : children(registry, false, walk)) {
            for (const fs::path& model : children(ns, false, walk)) {
                for (const fs::path& tag : children(model, true, walk)) {
                    if (walk.stopped()) return {};
                    if (modelDigestOf(tag) == digest) {
                        return displayName(registry.filename().string(), ns.filename().string(),
                                           model.filename().string(), tag.filename().string());
                    }
                }
            }
        }
    }
    return {};
}

void walkOllamaStore(const fs::path& root, Walk& walk) {
    std::error_code ec;
    const fs::path manifests = root / "manifests";
    if (!fs::is_directory(manifests, ec) || !walk.firstVisit(manifests)) return;
    for (const fs::path& registry : children(manifests, false, walk)) {
        for (const fs::path& ns : children(registry, false, walk)) {
            for (const fs::path& model : children(ns, false, walk)) {
                for (const fs::path& tag : children(model, true, walk)) {
                    if (walk.stopped()) return;
                    walk.add(describeManifest(root, tag,
                                              displayName(registry.filename().string(), ns.filename().string(),
                                                          model.filename().string(), tag.filename().string())));
                }
            }
        }
    }
}

}  // namespace attnviz::core::discovery
