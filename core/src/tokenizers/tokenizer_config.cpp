#include "tokenizer_config.h"

#include "../json_file.h"
#include "token_id.h"

#include <limits>

namespace attnviz::core {
namespace {

// The slow class AutoTokenizer uses for a model_type, where the folder's
// files alone do not tell the conventions (spiece.model: ALBERT's
// preprocessing and [CLS] A [SEP] template, or T5's A </s>; vocab.json +
// merges.txt: BART's <s> A </s> rather than GPT-2's bare text).
std::string classOfModelType(const std::filesystem::path& dir) {
    std::error_code ec;
    const auto path = dir / "config.json";
    if (!std::filesystem::is_regular_file(path, ec)) return {};
    // A broken config.json is the model loader's to report.
    auto j = readJsonFile(path);
    if (!j || !j->is_object()) return {};
    const auto it = j->find("model_type");
    if (it == j->end() || !it->is_string()) return {};
    // transformers' TOKENIZER_MAPPING (slow classes) for the model types
    // whose folders we read without a tokenizer_class.
    const std::string type = it->get<std::string>();
    if (type == "albert") return "AlbertTokenizer";
    if (type == "t5" || type == "mt5" || type == "umt5") return "T5Tokenizer";
    if (type == "marian") return "MarianTokenizer";
    if (type == "bart") return "BartTokenizer";
    return {};
}

}  // namespace

std::optional<AddedToken> parseAddedToken(const nlohmann::json& entry) {
    AddedToken token;
    if (entry.is_string()) {
        token.content = entry.get<std::string>();
        return token;
    }
    if (!entry.is_object()) return std::nullopt;
    const auto content = entry.find("content");
    if (content == entry.end() || !content->is_string()) return std::nullopt;
    token.content = content->get<std::string>();
    auto boolean = [&](const char* key, bool fallback) {
        const auto it = entry.find(key);
        return it != entry.end() && it->is_boolean() ? it->get<bool>() : fallback;
    };
    token.lstrip = boolean("lstrip", false);
    token.rstrip = boolean("rstrip", false);
    token.singleWord = boolean("single_word", false);
    token.normalized = boolean("normalized", false);
    token.special = boolean("special", true);
    return token;
}

TokenizerConfig TokenizerConfig::fromJson(nlohmann::json config, std::string source) {
    TokenizerConfig cfg;
    cfg.m_config = std::move(config);
    cfg.m_source = std::move(source);
    if (const auto it = cfg.m_config.find("tokenizer_class"); it != cfg.m_config.end() && it->is_string()) {
        cfg.m_class = it->get<std::string>();
    }
    return cfg;
}

Result<TokenizerConfig> TokenizerConfig::load(const std::filesystem::path& dir) {
    TokenizerConfig cfg;
    std::error_code ec;
    const auto configPath = dir / "tokenizer_config.json";
    if (std::filesystem::is_regular_file(configPath, ec)) {
        auto j = readJsonFile(configPath);
        if (!j) return j.takeError();
        if (!j->is_object()) {
            return makeError(ErrorCode::CorruptFile, "'" + configPath.string() + "' is not a JSON object");
        }
        cfg.m_config = std::move(j.value());
        cfg.m_source = configPath.string();
    }
    const auto mapPath = dir / "special_tokens_map.json";
    if (std::filesystem::is_regular_file(mapPath, ec)) {
        auto j = readJsonFile(mapPath);
        if (!j) return j.takeError();
        if (j->is_object()) cfg.m_specialMap = std::move(j.value());
    }
    if (const auto it = cfg.m_config.find("tokenizer_class"); it != cfg.m_config.end() && it->is_string()) {
        cfg.m_class = it->get<std::string>();
        if (cfg.m_class.size() > 4 && cfg.m_class.compare(cfg.m_class.size() - 4, 4, "Fast") == 0) {
            cfg.m_class.resize(cfg.m_class.size() - 4);
        }
    }
    if (cfg.m_class.empty()) cfg.m_class = classOfModelType(dir);
    if (const auto it = cfg.m_config.find("added_tokens_decoder"); it != cfg.m_config.end() && it->is_object()) {
        for (const auto& [key, value] : it->items()) {
            auto token = parseAddedToken(value);
            if (!token) {
                return makeError(ErrorCode::CorruptFile, "'" + configPath.string() + "': added_tokens_decoder entry '" +
                                                             key + "' has no content");
            }
            const auto id = tokenIdFrom(std::string_view(key));
            if (!id) {
                return makeError(ErrorCode::CorruptFile, "'" + configPath.string() + "': added_tokens_decoder key '" +
                                                             key + "' is not an id (ids are integers from 0 to " +
                                                             std::to_string(kMaxTokenId) + ")");
            }
            token->id = *id;
            cfg.m_added.push_back(std::move(*token));
        }
    }
    const auto addedPath = dir / "added_tokens.json";
    if (std::filesystem::is_regular_file(addedPath, ec)) {
        auto j = readJsonFile(addedPath);
        if (!j) return j.takeError();
        if (j->is_object()) {
            for (const auto& [content, id] : j->items()) {
                const auto checked = tokenIdFrom(id);
                if (!checked) {
                    return makeError(ErrorCode::CorruptFile,
                                     "'" + addedPath.string() + "': the id of '" + content + "' " + badTokenIdText(id));
                }
                AddedToken token;
                token.content = content;
                token.id = *checked;
                token.special = false;
                cfg.m_added.push_back(std::move(token));
            }
        }
    }
    return cfg;
}

bool TokenizerConfig::returnsTokenTypeIds() const {
    // Classes whose model_input_names leave out token_type_ids.
    static const char* const kWithout[] = {"DistilBertTokenizer", "RobertaTokenizer", "GPT2Tokenizer",
                                           "LlamaTokenizer",      "CodeLlamaTokenizer", "BartTokenizer",
                                           "LongformerTokenizer", "CamembertTokenizer", "XLMRobertaTokenizer",
                                           "GemmaTokenizer",      "Qwen2Tokenizer",     "GPTNeoXTokenizer",
                                           "BloomTokenizer",      "CodeGenTokenizer",   "T5Tokenizer",
                                           "MarianTokenizer"};
    for (const char* name : kWithout) {
        if (m_class == name) return false;
    }
    return true;
}

std::optional<bool> TokenizerConfig::flag(const char* key) const {
    const auto it = m_config.find(key);
    if (it == m_config.end() || !it->is_boolean()) return std::nullopt;
    return it->get<bool>();
}

std::optional<std::int64_t> TokenizerConfig::integer(const char* key) const {
    const auto it = m_config.find(key);
    if (it == m_config.end() || !it->is_number_integer()) return std::nullopt;
    if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return std::numeric_limits<std::int64_t>::max();
    }
    return it->get<std::int64_t>();
}

std::optional<AddedToken> TokenizerConfig::specialToken(const char* key, std::optional<std::string> fallback) const {
    // tokenizer_config.json wins over special_tokens_map.json, as in from_pretrained.
    for (const nlohmann::json* source : {&m_config, &m_specialMap}) {
        const auto it = source->find(key);
        if (it == source->end()) continue;
        if (it->is_null()) return std::nullopt;
        if (auto token = parseAddedToken(*it)) {
            token->special = true;
            return token;
        }
    }
    if (!fallback) return std::nullopt;
    AddedToken token;
    token.content = *fallback;
    return token;
}

bool TokenizerConfig::specialTokenHasFlags(const char* key) const {
    for (const nlohmann::json* source : {&m_config, &m_specialMap}) {
        const auto it = source->find(key);
        if (it != source->end()) return it->is_object();
    }
    return false;
}

std::vector<AddedToken> TokenizerConfig::additionalSpecialTokens() const {
    std::vector<AddedToken> out;
    for (const nlohmann::json* source : {&m_config, &m_specialMap}) {
        const auto it = source->find("additional_special_tokens");
        if (it == source->end() || !it->is_array()) continue;
        for (const auto& entry : *it) {
            if (auto token = parseAddedToken(entry)) {
                token->special = true;
                out.push_back(std::move(*token));
            }
        }
        break;
    }
    return out;
}

}  // namespace attnviz::core
