// Where special tokens go around one or two encoded sequences and which token
// type each position gets: Hugging Face's TemplateProcessing, to which
// BertProcessing, RobertaProcessing and the slow tokenizers'
// build_inputs_with_special_tokens are all translated.
#pragma once

#include "attnviz/core/tokenizer.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace attnviz::core {

class PostProcessor {
public:
    struct Item {
        bool isSequence = false;
        int sequence = 0;     // 0: A, 1: B (for sequence items)
        std::string special;  // key into the special entries (for special items)
        std::int32_t typeId = 0;
    };
    struct Special {
        std::vector<std::int32_t> ids;
        std::vector<std::string> tokens;
    };

    // Without templates: A, or A B, with no specials.
    PostProcessor();
    void setTemplates(std::vector<Item> single, std::vector<Item> pair);
    void setSpecial(const std::string& name, Special special) { m_specials[name] = std::move(special); }
    // Models whose tokenizer returns no token_type_ids see type 0 everywhere.
    void setReportTypeIds(bool report) { m_reportTypeIds = report; }
    bool reportsTypeIds() const { return m_reportTypeIds; }
    const std::vector<Item>& single() const { return m_single; }
    const std::vector<Item>& pair() const { return m_pair; }

    // Checks that every special item names a known entry whose ids are all
    // in the vocabulary (`knownId`).
    Status validate(const std::string& source, const std::function<bool(std::int32_t)>& knownId) const;
    // `a`/`b` carry ids, pieces, displays and spans; `sizeA`/`sizeB` are
    // the byte lengths of the segment texts (where trailing specials point).
    std::vector<Token> apply(std::vector<Token> a, const std::vector<Token>* b, std::size_t sizeA,
                             std::size_t sizeB) const;

private:
    std::vector<Item> m_single;
    std::vector<Item> m_pair;
    std::map<std::string, Special> m_specials;
    bool m_reportTypeIds = true;
};

}  // namespace attnviz::core
