// A Hugging Face model folder as a listing row: config.json through
// ModelConfig (its error is the reason), the safetensors headers (through
// the loader's own WeightStore, which maps the files and reads no weights)
// for the parameter count and dtype, and whether a tokenizer is there.
#include "discovery/discovery_walk.h"

#include "attnviz/core/model_config.h"
#include "attnviz/core/seq2seq_config.h"
#include "attnviz/core/weight_store.h"
#include "json_file.h"

#include <limits>
#include <map>

namespace attnviz::core::discovery {

namespace {

// The files loadTokenizer reads (any one suffices; vocab.json with merges.txt;
// source.spm: Marian's, with its target.spm and vocab.json).
bool hasTokenizerFiles(const fs::path& dir) {
    std::error_code ec;
    for (const char* name : {"tokenizer.json", "tokenizer.model", "spiece.model", "vocab.txt", "source.spm"}) {
        if (fs::is_regular_file(dir / name, ec)) return true;
    }
    return fs::is_regular_file(dir / "vocab.json", ec) && fs::is_regular_file(dir / "merges.txt", ec);
}

// The first of `keys` in `j` that holds a non-negative int.
std::optional<int> firstInt(const nlohmann::json& j, std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
        const auto it = j.find(k);
        if (it != j.end() && it->is_number_integer()) {
            const auto v = it->get<std::int64_t>();
            if (v >= 0 && v <= std::numeric_limits<int>::max()) return static_cast<int>(v);
        }
    }
    return std::nullopt;
}

// What a config attnviz cannot run still says about itself (model_type and
// the usual shape fields), for the row.
void fillFromRawConfig(const fs::path& config, DiscoveredModel& row) {
    auto json = readJsonFile(config);
    if (!json || !json->is_object()) return;
    const nlohmann::json& j = json.value();
    if (const auto it = j.find("model_type"); it != j.end() && it->is_string()) row.architecture = it->get<std::string>();
    row.layers = firstInt(j, {"num_hidden_layers", "n_layer", "n_layers", "num_layers"});
    row.heads = firstInt(j, {"num_attention_heads", "n_head", "n_heads", "num_heads"});
    row.kvHeads = firstInt(j, {"num_key_value_heads", "num_kv_heads", "n_kv_heads"});
    if (!row.kvHeads) row.kvHeads = row.heads;
}

// A broken link among the files the loader needs: its blob is missing.
std::string brokenWeightLink(const fs::path& dir) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const bool needed = name == "config.json" || it->path().extension() == ".safetensors" ||
                            name == "model.safetensors.index.json";
        if (needed && isBrokenLink(it->path())) {
            return quoted(it->path()) + " is a broken link (its blob is missing: an interrupted download?)";
        }
    }
    return {};
}

}  // namespace

DiscoveredModel describeModelFolder(const fs::path& dir, std::string name, std::string source) {
    DiscoveredModel row;
    row.name = std::move(name);
    row.source = std::move(source);
    row.path = dir;
    row.bytes = bytesOnDisk(dir);

    if (std::string broken = brokenWeightLink(dir); !broken.empty()) {
        fillFromRawConfig(dir / "config.json", row);
        row.reason = std::move(broken);
        return row;
    }
    std::error_code ec;
    if (!fs::is_regular_file(dir / "config.json", ec)) {  // a FIFO would block the read
        row.reason = quoted(dir / "config.json") + " is not a regular file";
        return row;
    }
    // Encoder-decoder folders (T5, BART, Marian) open through Seq2SeqSession:
    // listed with the encoder's shape.
    if (auto raw = Seq2SeqConfig::fromFile(dir / "config.json"); raw) {
        row.architecture = raw->modelType;
        row.layers = raw->encoder.nLayers;
        row.heads = raw->encoder.nHeads;
        row.kvHeads = raw->encoder.nHeads;
    } else if (auto config = ModelConfig::fromFile(dir / "config.json"); config) {
        row.architecture = config->modelType;
        row.layers = config->nLayers;
        row.heads = config->nHeads;
        row.kvHeads = config->nKvHeads;
    } else {
        fillFromRawConfig(dir / "config.json", row);
        row.reason = config.error();
    }

    auto store = WeightStore::open(dir);
    if (store) {
        std::uint64_t parameters = 0;
        std::map<std::string, std::uint64_t> byDtype;  // elements per dtype
        for (const std::string& tensor : store->names()) {
            const TensorInfo* info = store->info(tensor);
            parameters += info->numel;
            byDtype[std::string(dtypeName(info->dtype))] += info->numel;
        }
        row.parameters = parameters;
        std::uint64_t most = 0;
        for (const auto& [dtype, count] : byDtype) {
            if (count > most || row.dtype.empty()) {
                most = count;
                row.dtype = dtype;
            }
        }
    } else if (row.reason.empty()) {
        row.reason = store.error();
    }

    row.supported = row.reason.empty();
    if (row.supported && !hasTokenizerFiles(dir)) {
        row.reason = "no tokenizer files: input by token ids only";
    }
    return row;
}

}  // namespace attnviz::core::discovery
