#include "support/gguf_vocab_convert.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace attnviz::test {
namespace {

// gguf.TokenType
constexpr std::int32_t kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5;

std::optional<std::string> readFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// BertModel.set_vocab's phantom(): bracketed tokens kept, "##" stripped,
// U+2581 before the rest.
std::string phantom(const std::string& tok) {
    if (!tok.empty() && tok.front() == '[' && tok.back() == ']') return tok;
    if (tok.rfind("##", 0) == 0) return tok.substr(2);
    return "\u2581" + tok;
}

}  // namespace

std::optional<GgufBuilder> bertVocabAsGguf(const std::filesystem::path& vocabTxt) {
    const auto text = readFile(vocabTxt);
    if (!text) return std::nullopt;
    std::vector<std::string> vocab;
    std::istringstream lines(*text);
    for (std::string line; std::getline(lines, line);) vocab.push_back(line);
    std::map<std::string, std::int32_t> ids;
    for (std::size_t i = 0; i < vocab.size(); ++i) ids[vocab[i]] = static_cast<std::int32_t>(i);
    std::vector<std::string> tokens;
    std::vector<std::int32_t> types;
    const std::vector<std::string> specials = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    for (const std::string& t : vocab) {
        tokens.push_back(phantom(t));
        types.push_back(std::find(specials.begin(), specials.end(), t) != specials.end() ? kControl : kNormal);
    }
    GgufBuilder b;
    b.string("general.architecture", "bert");
    b.u32("tokenizer.ggml.token_type_count", 2);
    b.string("tokenizer.ggml.model", "bert");
    // bert-base-uncased's check hash is bge-small-en's, which the converter
    // names "bert-bge" and then "jina-v2-en" (its last match wins).
    b.string("tokenizer.ggml.pre", "jina-v2-en");
    b.strings("tokenizer.ggml.tokens", tokens);
    b.ints("tokenizer.ggml.token_type", types);
    // SpecialVocab: unk, sep, pad, mask (cls has no handler).
    for (const auto& [key, name] : std::vector<std::pair<std::string, std::string>>{
             {"unknown", "[UNK]"}, {"seperator", "[SEP]"}, {"padding", "[PAD]"}, {"mask", "[MASK]"}}) {
        if (ids.count(name)) b.u32("tokenizer.ggml." + key + "_token_id", static_cast<std::uint32_t>(ids[name]));
    }
    return b;
}

std::optional<GgufBuilder> gpt2VocabAsGguf(const std::filesystem::path& tokenizerJson, const std::string& pre) {
    const auto text = readFile(tokenizerJson);
    if (!text) return std::nullopt;
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    std::map<std::int64_t, std::string> byId;
    for (const auto& [tok, id] : j.at("model").at("vocab").items()) byId[id.get<std::int64_t>()] = tok;
    std::map<std::int64_t, std::int32_t> addedType;
    for (const auto& a : j.value("added_tokens", nlohmann::json::array())) {
        const auto id = a.at("id").get<std::int64_t>();
        const auto content = a.at("content").get<std::string>();
        byId[id] = content;
        const bool looksSpecial = content.rfind("<|", 0) == 0 && content.size() >= 4 &&
                                  content.compare(content.size() - 2, 2, "|>") == 0;
        addedType[id] = a.value("special", false) || looksSpecial ? kControl : kUserDefined;
    }
    const std::int64_t size = byId.empty() ? 0 : byId.rbegin()->first + 1;
    std::vector<std::string> tokens;
    std::vector<std::int32_t> types;
    for (std::int64_t i = 0; i < size; ++i) {
        const auto it = byId.find(i);
        if (it == byId.end()) {
            tokens.push_back("[PAD" + std::to_string(i) + "]");
            types.push_back(kUnused);
            continue;
        }
        tokens.push_back(it->second);
        const auto added = addedType.find(i);
        types.push_back(added == addedType.end() ? kNormal : added->second);
    }
    std::vector<std::string> merges;
    for (const auto& m : j.at("model").at("merges")) {
        if (m.is_string()) {
            merges.push_back(m.get<std::string>());
        } else {  // ["a", "b"] (transformers >= 4.45); spaces become U+0120
            std::string joined;
            for (int k = 0; k < 2; ++k) {
                std::string part = m.at(k).get<std::string>();
                std::string enc;
                for (char c : part) enc += c == ' ' ? std::string("\u0120") : std::string(1, c);
                joined += (k ? " " : "") + enc;
            }
            merges.push_back(joined);
        }
    }
    GgufBuilder b;
    b.string("general.architecture", "gptneox");
    b.string("tokenizer.ggml.model", "gpt2");
    b.string("tokenizer.ggml.pre", pre);
    b.strings("tokenizer.ggml.tokens", tokens);
    b.ints("tokenizer.ggml.token_type", types);
    b.strings("tokenizer.ggml.merges", merges);
    return b;
}

}  // namespace attnviz::test
