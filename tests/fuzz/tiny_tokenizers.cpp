#include "tiny_tokenizers.h"

#include "fuzz_support.h"
#include "tiny_files.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace attnviz::fuzz {
namespace {

using Json = nlohmann::json;

std::string utf8(std::uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
}

// GPT-2's byte -> symbol table: printable bytes stand for themselves, the
// others for 256, 257, ... in byte order.
std::vector<std::string> byteSymbols() {
    std::vector<std::string> symbols(256);
    std::uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
        symbols[static_cast<std::size_t>(b)] = utf8(printable ? static_cast<std::uint32_t>(b) : next++);
    }
    return symbols;
}

Json vocabOf(const std::vector<std::string>& tokens) {
    Json v = Json::object();
    for (std::size_t i = 0; i < tokens.size(); ++i) v[tokens[i]] = static_cast<int>(i);
    return v;
}

Json addedToken(int id, const std::string& content) {
    return Json{{"id", id},       {"content", content}, {"single_word", false}, {"lstrip", false},
                {"rstrip", false}, {"normalized", false}, {"special", true}};
}

const char* const kSplitPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Llama-3 style: Split regex + ByteLevel, every byte symbol in the
// vocabulary; ids 0..266 without holes.
Json byteLevelJson() {
    std::vector<std::string> tokens = byteSymbols();
    for (const char* t : {"He", "ll", "Hell", "Hello", "\u0120w", "or", "\u0120wor", "12", "123"}) tokens.push_back(t);
    Json j;
    j["version"] = "1.0";
    j["added_tokens"] = Json::array({addedToken(265, "<|begin_of_text|>"), addedToken(266, "<|eot_id|>")});
    j["normalizer"] = nullptr;  // lossless: decode(encode(text)) == text
    j["pre_tokenizer"] = {
        {"type", "Sequence"},
        {"pretokenizers",
         Json::array({{{"type", "Split"}, {"pattern", {{"Regex", kSplitPattern}}}, {"behavior", "Isolated"}, {"invert", false}},
                      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}})}};
    j["post_processor"] = {
        {"type", "TemplateProcessing"},
        {"single", Json::array({{{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 0}}}},
                                {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
        {"pair", Json::array({{{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 0}}}},
                              {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                              {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
        {"special_tokens",
         {{"<|begin_of_text|>", {{"id", "<|begin_of_text|>"}, {"ids", {265}}, {"tokens", {"<|begin_of_text|>"}}}}}}};
    j["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
    j["model"] = {{"type", "BPE"},
                  {"unk_token", nullptr},
                  {"fuse_unk", false},
                  {"byte_fallback", false},
                  {"ignore_merges", false},
                  {"vocab", vocabOf(tokens)},
                  {"merges", Json::array({"H e", "l l", "He ll", "Hell o", "\u0120 w", "o r", "\u0120w or", "1 2", "12 3"})}};
    return j;
}

// Llama-2 style: Prepend/Replace "▁", byte fallback, decoder chain.
Json metaspaceJson() {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        tokens.push_back(name);
    }
    for (const char* t : {"\u2581", "H", "e", "l", "o", "\u2581H", "\u2581He", "ll", "\u2581Hell", "\u2581Hello", "w", "\u2581w"})
        tokens.push_back(t);
    Json j;
    j["version"] = "1.0";
    j["added_tokens"] = Json::array({addedToken(0, "<unk>"), addedToken(1, "<s>"), addedToken(2, "</s>")});
    j["normalizer"] = {{"type", "Sequence"},
                       {"normalizers", Json::array({{{"type", "Prepend"}, {"prepend", "\u2581"}},
                                                    {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}}})}};
    j["pre_tokenizer"] = nullptr;
    j["post_processor"] = {{"type", "TemplateProcessing"},
                           {"single", Json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                                   {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                           {"pair", Json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                                 {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                                 {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
                           {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}};
    j["decoder"] = {{"type", "Sequence"},
                    {"decoders", Json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                                              {{"type", "ByteFallback"}},
                                              {{"type", "Fuse"}},
                                              {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}};
    j["model"] = {{"type", "BPE"},
                  {"unk_token", "<unk>"},
                  {"fuse_unk", true},
                  {"byte_fallback", true},
                  {"vocab", vocabOf(tokens)},
                  {"merges", Json::array({Json::array({"\u2581", "H"}), Json::array({"\u2581H", "e"}),
                                          Json::array({"l", "l"}), Json::array({"\u2581He", "ll"}),
                                          Json::array({"\u2581Hell", "o"}), Json::array({"\u2581", "w"})})}};
    return j;
}

// BERT style: BertNormalizer, BertPreTokenizer, WordPiece.
Json wordPieceJson() {
    Json j;
    j["version"] = "1.0";
    j["added_tokens"] = Json::array(
        {addedToken(0, "[PAD]"), addedToken(1, "[UNK]"), addedToken(2, "[CLS]"), addedToken(3, "[SEP]")});
    j["normalizer"] = {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
                       {"strip_accents", nullptr}, {"lowercase", true}};
    j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
    j["post_processor"] = {{"type", "BertProcessing"}, {"sep", {"[SEP]", 3}}, {"cls", {"[CLS]", 2}}};
    j["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
    j["model"] = {{"type", "WordPiece"},
                  {"unk_token", "[UNK]"},
                  {"continuing_subword_prefix", "##"},
                  {"max_input_chars_per_word", 100},
                  {"vocab", vocabOf({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "hel", "##lo", "world", "!", "a",
                                     "##a", "\u4e2d"})}};
    return j;
}

std::vector<TinyTokenizer> build() {
    std::vector<TinyTokenizer> list;
    using F = core::TokenizerFormat;
    list.push_back({"wordpiece", {{"vocab.txt", tinyVocabTxt()}}, F::WordPieceVocab, false});
    list.push_back({"byte-level-bpe", {{"vocab.json", tinyVocabJson()}, {"merges.txt", tinyMerges()}}, F::ByteLevelBpeVocab, true});
    list.push_back({"sentencepiece-unigram", {{"tokenizer.model", tinyUnigramModel()}}, F::SentencePiece, false});
    list.push_back({"sentencepiece-bpe", {{"tokenizer.model", tinyBpeByteFallbackModel()}}, F::SentencePiece, false});
    const std::vector<std::string> jsons = tinyTokenizerJsons();
    const char* const names[] = {"tokenizer-json-byte-level", "tokenizer-json-metaspace", "tokenizer-json-wordpiece"};
    for (std::size_t i = 0; i < jsons.size(); ++i)
        list.push_back({names[i], {{"tokenizer.json", jsons[i]}}, F::TokenizerJson, i == 0});
    return list;
}

}  // namespace

std::string tinyVocabTxt() {
    return "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\nhel\n##lo\n##s\n!\n,\na\n##a\ncaf\n##\xc3\xa9\n\xe4\xb8\xad\n1\n##2\n";
}

std::string tinyVocabJson() {
    std::vector<std::string> tokens = byteSymbols();
    for (const char* t : {"He", "ll", "Hell", "Hello", "\u0120w", "or", "\u0120wor", "<|endoftext|>"}) tokens.push_back(t);
    return vocabOf(tokens).dump();
}

std::string tinyMerges() { return "#version: 0.2\nH e\nl l\nHe ll\nHell o\n\u0120 w\no r\n\u0120w or\n"; }

std::string tinyUnigramModel() {
    using test::SpPiece;
    test::SpModelSpec spec;
    spec.pieces = {{"<unk>", 0, SpPiece::Unknown}, {"<s>", 0, SpPiece::Control}, {"</s>", 0, SpPiece::Control},
                   {"\u2581", -5}, {"\u2581Hello", -1}, {"\u2581World", -1}, {"World", -1}, {"[MASK]", 0, SpPiece::UserDefined}};
    for (const char* c : {"H", "e", "l", "o", "W", "r", "d", "a", "\u00e9", "\u4e2d", "1", "2"}) spec.pieces.push_back({c, -10});
    return test::sentencePieceModel(spec);
}

std::string tinyBpeByteFallbackModel() {
    using test::SpPiece;
    test::SpModelSpec spec;
    spec.modelType = test::SpModelSpec::Bpe;
    spec.byteFallback = true;
    spec.pieces = {{"<unk>", 0, SpPiece::Unknown}, {"<s>", 0, SpPiece::Control}, {"</s>", 0, SpPiece::Control}};
    for (const SpPiece& p : test::spBytePieces()) spec.pieces.push_back(p);
    float score = 0;
    for (const char* c : {"\u2581H", "\u2581He", "ll", "\u2581Hell", "\u2581Hello", "\u2581w", "or", "\u2581wor"})
        spec.pieces.push_back({c, score--});
    for (const char* c : {"\u2581", "H", "e", "l", "o", "w", "r", "d"}) spec.pieces.push_back({c, score--});
    return test::sentencePieceModel(spec);
}

std::vector<std::string> tinyTokenizerJsons() {
    return {byteLevelJson().dump(), metaspaceJson().dump(), wordPieceJson().dump()};
}

std::vector<std::string> tinyTokenizerConfigs() {
    Json bert = {{"tokenizer_class", "BertTokenizer"}, {"do_lower_case", true}, {"cls_token", "[CLS]"},
                 {"sep_token", "[SEP]"}, {"unk_token", "[UNK]"}, {"mask_token", "[MASK]"}, {"model_max_length", 512}};
    bert["added_tokens_decoder"] = {{"0", {{"content", "[PAD]"}, {"lstrip", false}, {"normalized", false},
                                           {"rstrip", false}, {"single_word", false}, {"special", true}}},
                                    {"4", {{"content", "[MASK]"}, {"lstrip", true}, {"normalized", false},
                                           {"rstrip", false}, {"single_word", false}, {"special", true}}}};
    Json gpt2 = {{"tokenizer_class", "GPT2Tokenizer"}, {"add_prefix_space", false}, {"bos_token", "<|endoftext|>"},
                 {"eos_token", "<|endoftext|>"}, {"unk_token", "<|endoftext|>"}};
    Json roberta = {{"tokenizer_class", "RobertaTokenizer"}, {"bos_token", "<s>"}, {"eos_token", "</s>"},
                    {"cls_token", "<s>"}, {"sep_token", "</s>"}, {"mask_token", {{"content", "<mask>"}, {"lstrip", true},
                                                                                {"__type", "AddedToken"}}}};
    Json llama = {{"tokenizer_class", "LlamaTokenizer"}, {"add_bos_token", true}, {"add_eos_token", false},
                  {"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}, {"legacy", false}};
    llama["added_tokens_decoder"] = {{"1", {{"content", "<s>"}, {"special", true}}},
                                     {"40", {{"content", "<extra>"}, {"special", false}}}};
    return {bert.dump(), gpt2.dump(), roberta.dump(), llama.dump()};
}

const std::vector<TinyTokenizer>& tinyTokenizers() {
    static const std::vector<TinyTokenizer> list = build();
    return list;
}

const core::Tokenizer& loadedTinyTokenizer(std::size_t index) {
    static std::vector<std::unique_ptr<core::Tokenizer>> loaded = [] {
        std::vector<std::unique_ptr<core::Tokenizer>> out;
        for (const TinyTokenizer& t : tinyTokenizers()) {
            const std::filesystem::path dir = scratchDir("tiny-" + t.name);
            for (const auto& [name, content] : t.files) writeBytes(dir / name, content);
            auto tok = core::loadTokenizer(dir, t.format);
            if (!tok) fail("a tiny tokenizer loads", t.name + ": " + tok.error());
            out.push_back(std::move(*tok));
        }
        return out;
    }();
    return *loaded.at(index);
}

}  // namespace attnviz::fuzz
