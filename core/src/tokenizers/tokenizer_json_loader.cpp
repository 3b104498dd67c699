#include "tokenizer_json_loader.h"

#include "../json_file.h"
#include "token_id.h"
#include "bpe_model.h"
#include "byte_level.h"
#include "pipeline_tokenizer.h"
#include "wordpiece_model.h"

namespace attnviz::core {
namespace {

using Json = nlohmann::json;

// Rust's `\w` (Alphabetic, marks, decimal digits, connector punctuation,
// joiners), for the Whitespace pre-tokenizer's `\w+|[^\w\s]+`.
constexpr std::string_view kWordChars = R"(\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D})";

// Parsing context: the file name for messages. A failure is either "a
// feature we do not implement" (Unsupported: the caller may fall back to
// another file) or "broken" (CorruptFile).
class JsonReader {
public:
    explicit JsonReader(std::string source) : m_source(std::move(source)) {}

    Error broken(const std::string& what) const {
        return makeError(ErrorCode::CorruptFile, "'" + m_source + "': " + what);
    }
    Error unsupported(const std::string& what) const {
        return makeError(ErrorCode::Unsupported, "'" + m_source + "': unsupported tokenizer.json feature: " + what);
    }
    const std::string& source() const { return m_source; }

    static std::string type(const Json& j) {
        const auto it = j.find("type");
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    }
    static bool boolean(const Json& j, const char* key, bool fallback) {
        const auto it = j.find(key);
        return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
    }
    // `key` of `what` as a whole number from 0 to 2^31 - 1; `fallback` when
    // absent (a float or an out-of-range number is an error, not a cast).
    Result<std::int64_t> count(const Json& j, const char* key, std::int64_t fallback, const std::string& what) const {
        constexpr std::int64_t kMax = 2147483647;
        const auto it = j.find(key);
        if (it == j.end() || it->is_null()) return fallback;
        if (it->is_number_unsigned() && it->get<std::uint64_t>() <= static_cast<std::uint64_t>(kMax)) {
            return static_cast<std::int64_t>(it->get<std::uint64_t>());
        }
        if (it->is_number_integer() && !it->is_number_unsigned() && it->get<std::int64_t>() >= 0 &&
            it->get<std::int64_t>() <= kMax) {
            return it->get<std::int64_t>();
        }
        return broken(what + " \"" + key + "\" is not a whole number from 0 to 2147483647");
    }
    static std::optional<std::string> string(const Json& j, const char* key) {
        const auto it = j.find(key);
        if (it == j.end() || !it->is_string()) return std::nullopt;
        return it->get<std::string>();
    }

    // {"String": "x"} or {"Regex": "..."}.
    Status pattern(const Json& j, const char* what, std::string& literal, std::shared_ptr<const Pcre2Regex>& regex) {
        const auto it = j.find("pattern");
        if (it == j.end() || !it->is_object()) return broken(std::string(what) + " has no pattern");
        if (const auto s = string(*it, "String")) {
            literal = *s;
            return Status::success();
        }
        if (const auto r = string(*it, "Regex")) {
            auto compiled = Pcre2Regex::compile(*r);
            if (!compiled) return unsupported(std::string(what) + " pattern: " + compiled.error());
            regex = compiled.value();
            return Status::success();
        }
        return broken(std::string(what) + " pattern is neither String nor Regex");
    }

private:
    std::string m_source;
};

// A section of `j` by reference (null when absent): value(key, Json())
// would deep-copy it.
const Json& member(const Json& j, const char* key) {
    static const Json kNull;
    const auto it = j.find(key);
    return it != j.end() ? *it : kNull;
}

// Sequence normalizers, pre-tokenizers, decoders and post-processors may
// nest; real files nest one or two levels.
constexpr int kMaxSequenceDepth = 16;

Error sequenceTooDeep(const JsonReader& r, const char* what) {
    return r.broken(std::string(what) + " Sequence nested more than " + std::to_string(kMaxSequenceDepth) +
                    " levels deep");
}

// The pre-tokenizers' own patterns: one that does not compile is a bug here,
// not a feature of the file (and must not send the caller to another file).
Result<std::shared_ptr<const Pcre2Regex>> builtInRegex(std::string_view pattern) {
    auto regex = Pcre2Regex::compile(pattern);
    if (!regex) return makeError(ErrorCode::Internal, "built-in pattern: " + regex.error());
    return regex;
}

Status readNormalizer(JsonReader& r, const Json& j, Normalizer& out, int depth = 0) {
    if (j.is_null()) return Status::success();
    if (!j.is_object()) return r.broken("normalizer is not an object");
    const std::string type = JsonReader::type(j);
    using K = Normalizer::Kind;
    if (type == "Sequence") {
        if (depth >= kMaxSequenceDepth) {
            return sequenceTooDeep(r, "normalizer");
        }
        const auto it = j.find("normalizers");
        if (it == j.end() || !it->is_array()) return r.broken("normalizer Sequence has no list");
        for (const Json& n : *it) {
            if (Status st = readNormalizer(r, n, out, depth + 1); !st) return st;
        }
        return Status::success();
    }
    Normalizer::Step step;
    if (type == "BertNormalizer") {
        const bool lower = JsonReader::boolean(j, "lowercase", true);
        if (JsonReader::boolean(j, "clean_text", true)) out.add(Normalizer::Step::of(K::CleanText));
        if (JsonReader::boolean(j, "handle_chinese_chars", true)) out.add(Normalizer::Step::of(K::PadCjk));
        const auto strip = j.find("strip_accents");
        const bool stripAccents = strip != j.end() && strip->is_boolean() ? strip->get<bool>() : lower;
        if (stripAccents) out.add(Normalizer::Step::of(K::StripNonspacing));
        if (lower) out.add(Normalizer::Step::of(K::Lowercase));
        return Status::success();
    }
    if (type == "Lowercase") {
        step.kind = K::Lowercase;
    } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
        step.kind = K::Unicode;
        step.compose = type == "NFC" || type == "NFKC";
        step.compat = type == "NFKC" || type == "NFKD";
    } else if (type == "StripAccents") {
        step.kind = K::StripMarks;
    } else if (type == "Strip") {
        step.kind = K::Strip;
        step.left = JsonReader::boolean(j, "strip_left", true);
        step.right = JsonReader::boolean(j, "strip_right", true);
    } else if (type == "Replace") {
        step.kind = K::Replace;
        if (Status st = r.pattern(j, "normalizer Replace", step.pattern, step.regex); !st) return st;
        step.content = JsonReader::string(j, "content").value_or("");
    } else if (type == "Prepend") {
        step.kind = K::Prepend;
        step.content = JsonReader::string(j, "prepend").value_or("");
    } else if (type == "Precompiled") {
        // An empty character map changes nothing.
        const auto map = j.find("precompiled_charsmap");
        if (map == j.end() || map->is_null() || (map->is_string() && map->get<std::string>().empty())) {
            return Status::success();
        }
        return r.unsupported("normalizer Precompiled (a SentencePiece character map)");
    } else {
        return r.unsupported("normalizer " + (type.empty() ? std::string("without a type") : type));
    }
    out.add(std::move(step));
    return Status::success();
}

std::optional<PreTokenizer::Behavior> parseBehavior(const Json& j) {
    const std::string b = JsonReader::string(j, "behavior").value_or("Isolated");
    using B = PreTokenizer::Behavior;
    if (b == "Removed") return B::Removed;
    if (b == "Isolated") return B::Isolated;
    if (b == "MergedWithPrevious") return B::MergedWithPrevious;
    if (b == "MergedWithNext") return B::MergedWithNext;
    if (b == "Contiguous") return B::Contiguous;
    return std::nullopt;
}

Status readPreTokenizer(JsonReader& r, const Json& j, PreTokenizer& out, int depth = 0) {
    if (j.is_null()) return Status::success();
    if (!j.is_object()) return r.broken("pre_tokenizer is not an object");
    const std::string type = JsonReader::type(j);
    using K = PreTokenizer::Kind;
    if (type == "Sequence") {
        if (depth >= kMaxSequenceDepth) {
            return sequenceTooDeep(r, "pre_tokenizer");
        }
        const auto it = j.find("pretokenizers");
        if (it == j.end() || !it->is_array()) return r.broken("pre_tokenizer Sequence has no list");
        for (const Json& p : *it) {
            if (Status st = readPreTokenizer(r, p, out, depth + 1); !st) return st;
        }
        return Status::success();
    }
    PreTokenizer::Step step;
    if (type == "BertPreTokenizer") {
        out.add(PreTokenizer::Step::of(K::SplitWhitespace));
        step.kind = K::SplitPunctuation;
        step.behavior = PreTokenizer::Behavior::Isolated;
    } else if (type == "WhitespaceSplit") {
        step.kind = K::SplitWhitespace;
    } else if (type == "Whitespace") {
        step.kind = K::SplitRegex;
        const std::string w(kWordChars);
        auto regex = builtInRegex("[" + w + "]+|[^" + w + "\\s]+");
        if (!regex) return regex.takeError();
        step.regex = regex.value();
        step.invert = true;
        step.behavior = PreTokenizer::Behavior::Removed;
    } else if (type == "ByteLevel") {
        step.kind = K::ByteLevel;
        step.addPrefixSpace = JsonReader::boolean(j, "add_prefix_space", true);
        step.useRegex = JsonReader::boolean(j, "use_regex", true);
        auto regex = builtInRegex(byte_level::kGpt2Pattern);
        if (!regex) return regex.takeError();
        step.regex = regex.value();
    } else if (type == "Metaspace") {
        step.kind = K::Metaspace;
        step.pattern = JsonReader::string(j, "replacement").value_or("\u2581");
        step.split = JsonReader::boolean(j, "split", true);
        if (const auto scheme = JsonReader::string(j, "prepend_scheme")) {
            if (*scheme == "always") {
                step.prependScheme = PreTokenizer::PrependScheme::Always;
            } else if (*scheme == "first") {
                step.prependScheme = PreTokenizer::PrependScheme::First;
            } else if (*scheme == "never") {
                step.prependScheme = PreTokenizer::PrependScheme::Never;
            } else {
                return r.unsupported("Metaspace prepend_scheme '" + *scheme + "'");
            }
        } else {
            step.prependScheme = JsonReader::boolean(j, "add_prefix_space", true) ? PreTokenizer::PrependScheme::Always
                                                                                  : PreTokenizer::PrependScheme::Never;
        }
    } else if (type == "Split") {
        step.kind = K::SplitRegex;
        if (Status st = r.pattern(j, "pre_tokenizer Split", step.pattern, step.regex); !st) return st;
        const auto behavior = parseBehavior(j);
        if (!behavior) return r.unsupported("Split behavior '" + JsonReader::string(j, "behavior").value_or("") + "'");
        step.behavior = *behavior;
        step.invert = JsonReader::boolean(j, "invert", false);
    } else if (type == "Punctuation") {
        step.kind = K::SplitPunctuation;
        const auto behavior = parseBehavior(j);
        if (!behavior) return r.unsupported("Punctuation behavior");
        step.behavior = *behavior;
    } else if (type == "Digits") {
        step.kind = K::SplitDigits;
        step.individual = JsonReader::boolean(j, "individual_digits", false);
    } else if (type == "CharDelimiterSplit") {
        step.kind = K::SplitChar;
        const std::string d = JsonReader::string(j, "delimiter").value_or("");
        std::size_t len = 0;
        if (d.empty() || (step.delimiter = unicode::decodeAt(d, 0, &len), len != d.size())) {
            return r.broken("CharDelimiterSplit delimiter must be one character");
        }
    } else {
        return r.unsupported("pre_tokenizer " + (type.empty() ? std::string("without a type") : type));
    }
    out.add(std::move(step));
    return Status::success();
}

Status readDecoder(JsonReader& r, const Json& j, TokenDecoder& out, int depth = 0) {
    if (j.is_null()) return Status::success();
    if (!j.is_object()) return r.broken("decoder is not an object");
    const std::string type = JsonReader::type(j);
    using K = TokenDecoder::Kind;
    if (type == "Sequence") {
        if (depth >= kMaxSequenceDepth) {
            return sequenceTooDeep(r, "decoder");
        }
        const auto it = j.find("decoders");
        if (it == j.end() || !it->is_array()) return r.broken("decoder Sequence has no list");
        for (const Json& d : *it) {
            if (Status st = readDecoder(r, d, out, depth + 1); !st) return st;
        }
        return Status::success();
    }
    TokenDecoder::Step step;
    if (type == "ByteLevel") {
        step.kind = K::ByteLevel;
    } else if (type == "WordPiece") {
        step.kind = K::WordPiece;
        step.pattern = JsonReader::string(j, "prefix").value_or("##");
        step.cleanup = JsonReader::boolean(j, "cleanup", true);
    } else if (type == "Metaspace") {
        step.kind = K::Metaspace;
        step.pattern = JsonReader::string(j, "replacement").value_or("\u2581");
        if (const auto scheme = JsonReader::string(j, "prepend_scheme")) {
            step.prependFirst = *scheme != "never";
        } else {
            step.prependFirst = JsonReader::boolean(j, "add_prefix_space", true);
        }
    } else if (type == "Replace") {
        step.kind = K::Replace;
        if (Status st = r.pattern(j, "decoder Replace", step.pattern, step.regex); !st) return st;
        step.content = JsonReader::string(j, "content").value_or("");
    } else if (type == "ByteFallback") {
        step.kind = K::ByteFallback;
    } else if (type == "Fuse") {
        step.kind = K::Fuse;
    } else if (type == "Strip") {
        step.kind = K::Strip;
        step.content = JsonReader::string(j, "content").value_or(" ");
        auto start = r.count(j, "start", 0, "decoder Strip");
        if (!start) return start.takeError();
        auto stop = r.count(j, "stop", 0, "decoder Strip");
        if (!stop) return stop.takeError();
        step.start = static_cast<unsigned>(*start);
        step.stop = static_cast<unsigned>(*stop);
    } else if (type == "BPEDecoder") {
        step.kind = K::BpeSuffix;
        step.pattern = JsonReader::string(j, "suffix").value_or("</w>");
    } else {
        return r.unsupported("decoder " + (type.empty() ? std::string("without a type") : type));
    }
    out.add(std::move(step));
    return Status::success();
}

// A post-processor entry's [token, id] pair (BertProcessing, RobertaProcessing).
Status tokenAndId(JsonReader& r, const Json& j, const char* key, std::string& token, std::int32_t& id) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_string() ||
        !(*it)[1].is_number_integer()) {
        return r.broken(std::string("post_processor ") + key + " must be [token, id]");
    }
    token = (*it)[0].get<std::string>();
    const auto checked = tokenIdFrom((*it)[1]);
    if (!checked) return r.broken(std::string("post_processor ") + key + ": the id of '" + token + "' " + badTokenIdText((*it)[1]));
    id = *checked;
    return Status::success();
}

Status readTemplate(JsonReader& r, const Json& j, std::vector<PostProcessor::Item>& items) {
    if (j.is_null()) return Status::success();  // no template given
    if (!j.is_array()) return r.broken("TemplateProcessing template is not a list");
    for (const Json& piece : j) {
        PostProcessor::Item item;
        if (const auto s = piece.find("SpecialToken"); s != piece.end() && s->is_object()) {
            item.special = JsonReader::string(*s, "id").value_or("");
            auto typeId = r.count(*s, "type_id", 0, "template SpecialToken");
            if (!typeId) return typeId.takeError();
            item.typeId = static_cast<std::int32_t>(*typeId);
        } else if (const auto q = piece.find("Sequence"); q != piece.end() && q->is_object()) {
            const std::string which = JsonReader::string(*q, "id").value_or("A");
            if (which != "A" && which != "B") return r.broken("template sequence id must be A or B");
            item.isSequence = true;
            item.sequence = which == "A" ? 0 : 1;
            auto typeId = r.count(*q, "type_id", 0, "template Sequence");
            if (!typeId) return typeId.takeError();
            item.typeId = static_cast<std::int32_t>(*typeId);
        } else {
            return r.broken("template entry is neither SpecialToken nor Sequence");
        }
        items.push_back(std::move(item));
    }
    return Status::success();
}

Status readPostProcessor(JsonReader& r, const Json& j, PostProcessor& out, int depth = 0) {
    if (j.is_null()) return Status::success();
    if (!j.is_object()) return r.broken("post_processor is not an object");
    const std::string type = JsonReader::type(j);
    using Item = PostProcessor::Item;
    if (type == "Sequence") {
        if (depth >= kMaxSequenceDepth) {
            return sequenceTooDeep(r, "post_processor");
        }
        const auto it = j.find("processors");
        if (it == j.end() || !it->is_array()) return r.broken("post_processor Sequence has no list");
        for (const Json& p : *it) {
            if (Status st = readPostProcessor(r, p, out, depth + 1); !st) return st;
        }
        return Status::success();
    }
    if (type == "ByteLevel") return Status::success();  // offsets only
    if (type == "TemplateProcessing") {
        std::vector<Item> single;
        std::vector<Item> pair;
        if (Status st = readTemplate(r, member(j, "single"), single); !st) return st;
        if (Status st = readTemplate(r, member(j, "pair"), pair); !st) return st;
        const auto specials = j.find("special_tokens");
        if (specials != j.end() && specials->is_object()) {
            for (const auto& [name, entry] : specials->items()) {
                PostProcessor::Special special;
                const auto ids = entry.is_object() ? entry.find("ids") : entry.end();
                try {
                    special.tokens = entry.at("tokens").get<std::vector<std::string>>();
                    if (ids == entry.end() || !ids->is_array()) throw std::invalid_argument("ids");
                } catch (const std::exception&) {
                    return r.broken("post_processor special token '" + name + "' needs ids and tokens lists");
                }
                for (const Json& id : *ids) {
                    const auto checked = tokenIdFrom(id);
                    if (!checked) {
                        return r.broken("post_processor special_tokens: an id of '" + name + "' " + badTokenIdText(id));
                    }
                    special.ids.push_back(*checked);
                }
                out.setSpecial(name, std::move(special));
            }
        }
        out.setTemplates(std::move(single), std::move(pair));
        return Status::success();
    }
    if (type == "BertProcessing" || type == "RobertaProcessing") {
        std::string cls;
        std::string sep;
        std::int32_t clsId = 0;
        std::int32_t sepId = 0;
        if (Status st = tokenAndId(r, j, "cls", cls, clsId); !st) return st;
        if (Status st = tokenAndId(r, j, "sep", sep, sepId); !st) return st;
        out.setSpecial(cls, {{clsId}, {cls}});
        out.setSpecial(sep, {{sepId}, {sep}});
        if (type == "BertProcessing") {
            out.setTemplates({Item{false, 0, cls, 0}, Item{true, 0, {}, 0}, Item{false, 0, sep, 0}},
                             {Item{false, 0, cls, 0}, Item{true, 0, {}, 0}, Item{false, 0, sep, 0},
                              Item{true, 1, {}, 1}, Item{false, 0, sep, 1}});
        } else {
            out.setTemplates({Item{false, 0, cls, 0}, Item{true, 0, {}, 0}, Item{false, 0, sep, 0}},
                             {Item{false, 0, cls, 0}, Item{true, 0, {}, 0}, Item{false, 0, sep, 0},
                              Item{false, 0, sep, 1}, Item{true, 1, {}, 1}, Item{false, 0, sep, 1}});
        }
        return Status::success();
    }
    return r.unsupported("post_processor " + (type.empty() ? std::string("without a type") : type));
}

Result<std::vector<std::pair<std::string, std::int32_t>>> readVocab(JsonReader& r, const Json& model) {
    const auto it = model.find("vocab");
    if (it == model.end() || !it->is_object()) return r.broken("model.vocab is not an object of token -> id");
    std::vector<std::pair<std::string, std::int32_t>> vocab;
    vocab.reserve(it->size());
    const std::int32_t maxId = maxVocabTableId(it->size());
    for (const auto& [token, id] : it->items()) {
        const auto checked = tokenIdFrom(id);
        if (!checked) return r.broken("model.vocab: the id of '" + token + "' " + badTokenIdText(id));
        if (*checked > maxId) {
            return r.broken("model.vocab: the id of '" + token + "' is " + std::to_string(*checked) +
                            "; a vocabulary of " + std::to_string(it->size()) + " tokens uses ids up to " +
                            std::to_string(maxId));
        }
        vocab.emplace_back(token, *checked);
    }
    if (vocab.empty()) return r.broken("model.vocab is empty");
    return vocab;
}

Result<std::unique_ptr<SubwordModel>> readModel(JsonReader& r, const Json& model, std::string& kind) {
    if (!model.is_object()) return r.broken("model is missing");
    std::string type = JsonReader::type(model);
    if (type.empty()) type = model.contains("merges") ? "BPE" : model.contains("continuing_subword_prefix") ? "WordPiece" : "";
    if (type == "WordPiece") {
        auto vocab = readVocab(r, model);
        if (!vocab) return vocab.takeError();
        std::int32_t maxId = 0;
        for (const auto& [token, id] : vocab.value()) maxId = std::max(maxId, id);
        std::vector<std::string> byId(static_cast<std::size_t>(maxId) + 1);
        for (const auto& [token, id] : vocab.value()) byId[static_cast<std::size_t>(id)] = token;
        auto maxChars = r.count(model, "max_input_chars_per_word", 100, "WordPiece model");
        if (!maxChars) return maxChars.takeError();
        auto created = WordPieceModel::create(std::move(byId), JsonReader::string(model, "unk_token").value_or("[UNK]"),
                                              JsonReader::string(model, "continuing_subword_prefix").value_or("##"),
                                              static_cast<unsigned>(*maxChars));
        if (!created) return prefixError("'" + r.source() + "': ", created.takeError());
        kind = "wordpiece";
        return std::unique_ptr<SubwordModel>(std::move(created.value()));
    }
    if (type == "BPE") {
        if (const auto dropout = model.find("dropout");
            dropout != model.end() && !dropout->is_null() && !(dropout->is_number() && dropout->get<double>() == 0.0)) {
            return r.unsupported("BPE dropout (attnviz needs the same ids on every run)");
        }
        auto vocab = readVocab(r, model);
        if (!vocab) return vocab.takeError();
        std::vector<std::pair<std::string, std::string>> merges;
        const auto it = model.find("merges");
        if (it == model.end() || !it->is_array()) return r.broken("model.merges is not a list");
        merges.reserve(it->size());
        for (const Json& m : *it) {
            // "a b" (older files) or ["a", "b"] (newer files, tokens may hold spaces).
            if (m.is_string()) {
                const std::string s = m.get<std::string>();
                const std::size_t space = s.find(' ');
                if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
                    return r.broken("model.merges entry '" + s + "' is not two tokens separated by one space");
                }
                merges.emplace_back(s.substr(0, space), s.substr(space + 1));
            } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
                merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
            } else {
                return r.broken("model.merges has an entry that is neither \"a b\" nor [a, b]");
            }
        }
        BpeModel::Options options;
        options.unkToken = JsonReader::string(model, "unk_token");
        options.continuingSubwordPrefix = JsonReader::string(model, "continuing_subword_prefix").value_or("");
        options.endOfWordSuffix = JsonReader::string(model, "end_of_word_suffix").value_or("");
        options.byteFallback = JsonReader::boolean(model, "byte_fallback", false);
        options.fuseUnk = JsonReader::boolean(model, "fuse_unk", false);
        options.ignoreMerges = JsonReader::boolean(model, "ignore_merges", false);
        auto created = BpeModel::create(vocab.value(), merges, options, "'" + r.source() + "'");
        if (!created) return created.takeError();
        kind = "bpe";
        return std::unique_ptr<SubwordModel>(std::move(created.value()));
    }
    return r.unsupported("model type " + (type.empty() ? std::string("(none given)") : type) +
                         " (supported: WordPiece, BPE)");
}

bool decoderHas(const TokenDecoder& d, TokenDecoder::Kind kind) {
    for (const auto& s : d.steps()) {
        if (s.kind == kind) return true;
    }
    return false;
}

PipelineTokenizer::DisplayStyle chooseDisplay(const PipelineTokenizer::Parts& parts) {
    if (parts.preTokenizer.hasByteLevel() || decoderHas(parts.decoder, TokenDecoder::Kind::ByteLevel)) {
        return PipelineTokenizer::DisplayStyle::ByteLevel;
    }
    constexpr std::string_view meta = "\u2581";
    for (const auto& s : parts.preTokenizer.steps()) {
        if (s.kind == PreTokenizer::Kind::Metaspace) return PipelineTokenizer::DisplayStyle::Metaspace;
    }
    for (const auto& s : parts.normalizer.steps()) {
        if ((s.kind == Normalizer::Kind::Replace || s.kind == Normalizer::Kind::Prepend) &&
            s.content.find(meta) != std::string::npos) {
            return PipelineTokenizer::DisplayStyle::Metaspace;
        }
    }
    if (decoderHas(parts.decoder, TokenDecoder::Kind::Metaspace)) return PipelineTokenizer::DisplayStyle::Metaspace;
    return PipelineTokenizer::DisplayStyle::Plain;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> loadTokenizerJson(const std::filesystem::path& file, const TokenizerConfig& config) {
    JsonReader r(file.string());
    auto parsed = readJsonFile(file);
    if (!parsed) return parsed.takeError();
    const Json& j = parsed.value();
    if (!j.is_object()) return r.broken("not a JSON object");

    PipelineTokenizer::Parts parts;
    try {
        std::string kind;
        auto model = readModel(r, member(j, "model"), kind);
        if (!model) return model.takeError();
        parts.model = std::move(model.value());
        if (Status st = readNormalizer(r, member(j, "normalizer"), parts.normalizer); !st) {
            return st.takeError();
        }
        if (Status st = readPreTokenizer(r, member(j, "pre_tokenizer"), parts.preTokenizer); !st) {
            return st.takeError();
        }
        if (Status st = readPostProcessor(r, member(j, "post_processor"), parts.postProcessor); !st) {
            return st.takeError();
        }
        if (Status st = readDecoder(r, member(j, "decoder"), parts.decoder); !st) return st.takeError();

        if (const auto added = j.find("added_tokens"); added != j.end() && added->is_array()) {
            for (const Json& entry : *added) {
                auto token = parseAddedToken(entry);
                if (!token || !entry.contains("id")) return r.broken("added_tokens entries need content and id");
                const auto id = tokenIdFrom(entry["id"]);
                if (!id) return r.broken("added_tokens: the id of '" + token->content + "' " + badTokenIdText(entry["id"]));
                token->id = *id;
                token->special = JsonReader::boolean(entry, "special", false);
                token->normalized = JsonReader::boolean(entry, "normalized", !token->special);
                parts.added.add(std::move(*token));
            }
        }
        parts.kind = kind == "bpe" && parts.preTokenizer.hasByteLevel() ? "byte-level-bpe" : kind;
    } catch (const nlohmann::json::exception& e) {
        return r.broken(std::string("unexpected value: ") + e.what());
    }

    // LlamaTokenizerFast rebuilds its template from add_bos_token/add_eos_token.
    const std::string& cls = config.tokenizerClass();
    if (cls == "LlamaTokenizer" || cls == "CodeLlamaTokenizer" || cls == "GemmaTokenizer") {
        using Item = PostProcessor::Item;
        std::vector<Item> single;
        std::vector<Item> pair;
        const auto bos = config.specialToken("bos_token", "<s>");
        const auto eos = config.specialToken("eos_token", "</s>");
        auto specialItem = [&](const std::optional<AddedToken>& t, bool wanted, std::int32_t type,
                               std::vector<Item>& items) -> Status {
            if (!wanted || !t) return Status::success();
            const AddedToken* added = parts.added.findByContent(t->content);
            const auto id = added ? std::optional<std::int32_t>(added->id) : parts.model->tokenToId(t->content);
            if (!id) return r.broken("the config's special token '" + t->content + "' is not in the vocabulary");
            parts.postProcessor.setSpecial(t->content, {{*id}, {t->content}});
            items.push_back(Item{false, 0, t->content, type});
            return Status::success();
        };
        const bool addBos = config.flagOr("add_bos_token", true);
        const bool addEos = config.flagOr("add_eos_token", false);
        for (int s = 0; s < 2; ++s) {
            for (auto* items : s == 0 ? std::vector<std::vector<Item>*>{&single, &pair}
                                      : std::vector<std::vector<Item>*>{&pair}) {
                if (Status st = specialItem(bos, addBos, s, *items); !st) return st.takeError();
                items->push_back(Item{true, s, {}, s});
                if (Status st = specialItem(eos, addEos, s, *items); !st) return st.takeError();
            }
        }
        parts.postProcessor.setTemplates(std::move(single), std::move(pair));
    }
    const auto knownId = [&](std::int32_t id) {
        return parts.added.findById(id) != nullptr || !parts.model->idToToken(id).empty();
    };
    if (Status st = parts.postProcessor.validate(r.source(), knownId); !st) return st.takeError();
    parts.postProcessor.setReportTypeIds(config.returnsTokenTypeIds());
    parts.display = chooseDisplay(parts);
    parts.matchNormalizedAdded = true;
    parts.rustWhitespace = true;
    return std::unique_ptr<Tokenizer>(std::make_unique<PipelineTokenizer>(std::move(parts)));
}

}  // namespace attnviz::core
