#include "tiny_tokenizers.h"

#include "fuzz_support.h"
#include "tiny_files.h"
#include "tiny_tokenizer_json.h"
#include "tokenizers/byte_level.h"

#include <nlohmann/json.hpp>

namespace attnviz::fuzz {
namespace {

using Json = nlohmann::json;
using test::addedToken;
using test::vocabOf;

// GPT-2's byte -> symbol table, in byte order.
std::vector<std::string> byteSymbols() {
    std::vector<std::string> symbols;
    for (int b = 0; b < 256; ++b) symbols.push_back(core::byte_level::symbol(static_cast<unsigned char>(b)));
    return symbols;
}

// Llama-3 style: Split regex + ByteLevel, every byte symbol in the
// vocabulary; ids 0..266 without holes.
Json byteLevelJson() {
    std::vector<std::string> tokens = byteSymbols();
    for (const char* t : {"He", "ll", "Hell", "Hello", "\u0120w", "or", "\u0120wor", "12", "123"}) tokens.push_back(t);
    Json j;
    j["version"] = "1.0";
    j["added_tokens"] = Json::array({addedToken(265, "<|begin_of_text|>"), addedToken(266, "<|eot_id|>")});
    j["normalizer"] = nullptr;  // lossless: decode(encode(text)) == text
    j["pre_tokenizer"] = test::llama3PreTokenizer();
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

// Llama-3 style byte level, the tests' Llama-2 style and their BERT WordPiece
// with BERT's own 100-character word limit.
std::vector<std::string> tinyTokenizerJsons() {
    return {byteLevelJson().dump(), test::llama2Style().dump(), test::wordPieceStyle(100).dump()};
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
