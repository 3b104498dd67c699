#include "tiny_tokenizer_json.h"

#include <cstdio>

namespace attnviz::test {

using Json = nlohmann::json;

Json vocabOf(const std::vector<std::string>& tokens) {
    Json v = Json::object();
    for (std::size_t i = 0; i < tokens.size(); ++i) v[tokens[i]] = static_cast<int>(i);
    return v;
}

Json addedToken(int id, const std::string& content, bool special) {
    return Json{{"id", id},       {"content", content}, {"single_word", false}, {"lstrip", false},
                {"rstrip", false}, {"normalized", false}, {"special", special}};
}

const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

Json llama3PreTokenizer() {
    return {{"type", "Sequence"},
            {"pretokenizers",
             Json::array({{{"type", "Split"}, {"pattern", {{"Regex", kLlama3Pattern}}}, {"behavior", "Isolated"}, {"invert", false}},
                          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}})}};
}

Json llama2Style() {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        tokens.push_back(name);
    }
    for (const char* t : {"\u2581", "H", "e", "l", "o", "\u2581H", "\u2581He", "ll", "\u2581Hell", "\u2581Hello", "w",
                          "\u2581w"}) {
        tokens.push_back(t);
    }
    Json j;
    j["version"] = "1.0";
    j["added_tokens"] = Json::array({addedToken(0, "<unk>"), addedToken(1, "<s>"), addedToken(2, "</s>")});
    j["normalizer"] = {{"type", "Sequence"},
                       {"normalizers", Json::array({{{"type", "Prepend"}, {"prepend", "\u2581"}},
                                                    {{"type", "Replace"},
                                                     {"pattern", {{"String", " "}}},
                                                     {"content", "\u2581"}}})}};
    j["pre_tokenizer"] = nullptr;
    j["post_processor"] = {{"type", "TemplateProcessing"},
                           {"single", Json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                                   {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                           {"pair", Json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                                 {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                                 {{"SpecialToken", {{"id", "<s>"}, {"type_id", 1}}}},
                                                 {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
                           {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}};
    j["decoder"] = {{"type", "Sequence"},
                    {"decoders", Json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                                              {{"type", "ByteFallback"}},
                                              {{"type", "Fuse"}},
                                              {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}};
    j["model"] = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", "<unk>"},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", true},
                  {"byte_fallback", true},
                  {"vocab", vocabOf(tokens)},
                  {"merges", Json::array({Json::array({"\u2581", "H"}), Json::array({"\u2581H", "e"}),
                                          Json::array({"l", "l"}), Json::array({"\u2581He", "ll"}),
                                          Json::array({"\u2581Hell", "o"}), Json::array({"\u2581", "w"})})}};
    return j;
}

Json wordPieceStyle(int maxInputCharsPerWord) {
    Json j;
    j["version"] = "1.0";
    j["added_tokens"] = Json::array(
        {addedToken(0, "[PAD]"), addedToken(1, "[UNK]"), addedToken(2, "[CLS]"), addedToken(3, "[SEP]")});
    j["normalizer"] = {{"type", "BertNormalizer"},
                       {"clean_text", true},
                       {"handle_chinese_chars", true},
                       {"strip_accents", nullptr},
                       {"lowercase", true}};
    j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
    j["post_processor"] = {{"type", "BertProcessing"}, {"sep", {"[SEP]", 3}}, {"cls", {"[CLS]", 2}}};
    j["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
    j["model"] = {{"type", "WordPiece"},
                  {"unk_token", "[UNK]"},
                  {"continuing_subword_prefix", "##"},
                  {"max_input_chars_per_word", maxInputCharsPerWord},
                  {"vocab", vocabOf({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "hel", "##lo", "world", "!", "a",
                                     "##a", "\u4e2d"})}};
    return j;
}

}  // namespace attnviz::test
