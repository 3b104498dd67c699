// Small valid tokenizer files of every kind the loader reads, built in code:
// seeds for the loader targets and the fixed tokenizers that the encode and
// decode targets feed with arbitrary text and ids.
#pragma once

#include "attnviz/core/tokenizer.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace attnviz::fuzz {

struct TinyTokenizer {
    std::string name;                          // "wordpiece", "byte-level-bpe", ...
    std::map<std::string, std::string> files;  // file name -> content
    core::TokenizerFormat format;
    bool lossless = false;  // decode(encode(text, no specials)) gives text back
};

// The same list, in the same order, in every process.
const std::vector<TinyTokenizer>& tinyTokenizers();

// tinyTokenizers()[i], loaded once per process (traps if a valid file fails).
const core::Tokenizer& loadedTinyTokenizer(std::size_t index);

// Individual files, for seeds.
std::string tinyVocabTxt();
std::string tinyVocabJson();
std::string tinyMerges();
std::string tinyUnigramModel();
std::string tinyBpeByteFallbackModel();
std::vector<std::string> tinyTokenizerJsons();
std::vector<std::string> tinyTokenizerConfigs();

}  // namespace attnviz::fuzz
