// Hugging Face's slow PreTrainedTokenizer._decode, the part every class
// shares: tokens that are "legacy added tokens" (added tokens that are not
// special, and additional special tokens beyond the model's vocabulary, such
// as T5's <extra_id_N>) stand alone; each run of other tokens goes through
// the class's convert_tokens_to_string; the pieces are joined by one space,
// then clean_up_tokenization when the tokenizer asks for it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

// clean_up_tokenization: " ." -> ".", " n't" -> "n't", ... (Python's
// str.replace, one pattern after the other).
void cleanUpTokenizationSpaces(std::string& text);

// Python's str.strip(): whitespace (str.isspace) cut from both ends.
std::string stripPythonSpace(std::string_view text);

template <class IsLegacy, class Convert>
std::string slowDecode(const std::vector<std::string>& tokens, IsLegacy&& isLegacy, Convert&& convert,
                       bool cleanUp) {
    std::vector<std::string> subTexts;
    std::vector<std::string> run;
    for (const std::string& token : tokens) {
        if (!isLegacy(token)) {
            run.push_back(token);
            continue;
        }
        if (!run.empty()) {
            std::string text = convert(run);
            if (!text.empty()) subTexts.push_back(std::move(text));
            run.clear();
        }
        subTexts.push_back(token);
    }
    if (!run.empty()) subTexts.push_back(convert(run));
    std::string out;
    for (std::size_t i = 0; i < subTexts.size(); ++i) {
        if (i > 0) out += ' ';
        out += subTexts[i];
    }
    if (cleanUp) cleanUpTokenizationSpaces(out);
    return out;
}

}  // namespace attnviz::core
