#include "sentencepiece_tokenizer.h"

#include "../json_file.h"
#include "display_text.h"

#include <sentencepiece_processor.h>

#include <fstream>
#include <sstream>

namespace attnviz::core {
namespace {

constexpr std::uintmax_t kMaxModelBytes = 64ull << 20;

// A special-token entry of tokenizer_config.json is a string or {"content": ...}.
std::string tokenContent(const nlohmann::json& config, const char* key, std::string fallback) {
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) return fallback;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
        return (*it)["content"].get<std::string>();
    }
    return fallback;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer() : m_sp(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}
SentencePieceTokenizer::~SentencePieceTokenizer() = default;

Result<std::unique_ptr<Tokenizer>> SentencePieceTokenizer::load(const std::filesystem::path& dir) {
    const auto path = dir / "tokenizer.model";
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return makeError("cannot read '" + path.string() + "': " + ec.message());
    if (size > kMaxModelBytes) return makeError("'" + path.string() + "' is too large for a SentencePiece model");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    std::unique_ptr<SentencePieceTokenizer> tok(new SentencePieceTokenizer());
    if (const auto status = tok->m_sp->LoadFromSerializedProto(bytes.str()); !status.ok()) {
        return makeError("'" + path.string() + "' is not a valid SentencePiece model: " + status.ToString());
    }

    nlohmann::json config = nlohmann::json::object();
    if (std::filesystem::is_regular_file(dir / "tokenizer_config.json", ec)) {
        auto j = readJsonFile(dir / "tokenizer_config.json");
        if (!j) return j.takeError();
        if (j->is_object()) config = std::move(j.value());
    }
    if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean()) {
        tok->m_addBos = config["add_bos_token"].get<bool>();
    }
    if (config.contains("add_eos_token") && config["add_eos_token"].is_boolean()) {
        tok->m_addEos = config["add_eos_token"].get<bool>();
    }
    for (const auto& [key, fallback] : {std::pair{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}}) {
        const std::string content = tokenContent(config, key, fallback);
        const int id = tok->m_sp->PieceToId(content);
        if (!content.empty() && tok->m_sp->IdToPiece(id) == content) tok->m_specials.emplace_back(content, id);
    }
    return std::unique_ptr<Tokenizer>(std::move(tok));
}

Token SentencePieceTokenizer::specialToken(std::int32_t id, int segment) const {
    Token t;
    t.id = id;
    t.piece = m_sp->IdToPiece(id);
    t.display = t.piece;
    t.special = true;
    t.segment = segment;
    t.typeId = segment;
    return t;
}

Status SentencePieceTokenizer::encodeSegment(std::string_view text, int segment, std::vector<Token>& out) const {
    // Special tokens typed in the text are recognised first; the text between
    // them is encoded by SentencePiece piece by piece (LlamaTokenizer, legacy).
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t next = std::string_view::npos;
        const std::pair<std::string, std::int32_t>* found = nullptr;
        for (const auto& special : m_specials) {
            const std::size_t at = text.find(special.first, pos);
            if (at != std::string_view::npos && (at < next || (at == next && special.first.size() > found->first.size()))) {
                next = at;
                found = &special;
            }
        }
        const std::string_view chunk = text.substr(pos, next == std::string_view::npos ? text.size() - pos : next - pos);
        if (!chunk.empty()) {
            const auto spt = m_sp->EncodeAsImmutableProto(chunk);
            for (const auto& p : spt.pieces()) {
                Token t;
                t.id = static_cast<std::int32_t>(p.id());
                t.piece = p.piece();
                t.display = m_sp->IsByte(t.id) ? t.piece : displayFromMetaspace(t.piece);
                t.start = pos + p.begin();
                t.end = pos + p.end();
                t.segment = segment;
                t.typeId = segment;
                out.push_back(std::move(t));
            }
        }
        if (found == nullptr) break;
        Token t = specialToken(found->second, segment);
        t.start = next;
        t.end = next + found->first.size();
        out.push_back(std::move(t));
        pos = next + found->first.size();
    }
    return Status::success();
}

Result<Encoding> SentencePieceTokenizer::encode(std::string_view text, std::optional<std::string_view> pair) const {
    for (const auto& [segmentText, name] : {std::pair{text, "text"}, {pair.value_or(""), "pair text"}}) {
        if (const auto bad = findInvalidUtf8(segmentText)) {
            return makeError(std::string("the ") + name + " is not valid UTF-8 (invalid byte at offset " +
                             std::to_string(*bad) + ")");
        }
    }
    Encoding enc;
    const int segments = pair ? 2 : 1;
    for (int s = 0; s < segments; ++s) {
        if (m_addBos && m_sp->bos_id() >= 0) enc.tokens.push_back(specialToken(m_sp->bos_id(), s));
        if (Status st = encodeSegment(s == 0 ? text : *pair, s, enc.tokens); !st) return st.takeError();
        if (m_addEos && m_sp->eos_id() >= 0) enc.tokens.push_back(specialToken(m_sp->eos_id(), s));
    }
    return enc;
}

Result<std::string> SentencePieceTokenizer::decode(std::span<const std::int32_t> ids) const {
    std::vector<int> v;
    for (std::int32_t id : ids) {
        if (id < 0 || id >= vocabSize()) return makeError("token id " + std::to_string(id) + " is outside the vocabulary");
        v.push_back(id);
    }
    std::string out;
    if (const auto status = m_sp->Decode(v, &out); !status.ok()) return makeError(status.ToString());
    return out;
}

std::string SentencePieceTokenizer::piece(std::int32_t id) const {
    return id >= 0 && id < vocabSize() ? m_sp->IdToPiece(id) : std::string();
}

std::string SentencePieceTokenizer::display(std::int32_t id) const {
    if (id < 0 || id >= vocabSize()) return {};
    if (m_sp->IsByte(id) || m_sp->IsControl(id) || m_sp->IsUnknown(id)) return m_sp->IdToPiece(id);
    return displayFromMetaspace(m_sp->IdToPiece(id));
}

std::int32_t SentencePieceTokenizer::vocabSize() const { return m_sp->GetPieceSize(); }

}  // namespace attnviz::core
