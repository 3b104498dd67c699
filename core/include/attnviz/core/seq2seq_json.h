// The JSON form of an encoder-decoder run, the contract of
// `attnviz-cli attention` on T5/BART/Marian folders (outside checks read it):
// {"model", "model_type", "encoder_mask", "decoder_mask",
//  "n_layers": {"encoder", "decoder"}, "n_heads": {"encoder", "decoder"},
//  "source_len", "target_len",
//  "encoder_tokens": [{"id", "text"}], "decoder_tokens": [{"id", "text"}],
//  "encoder_attention": [Le][He][S][S], "decoder_attention": [Ld][Hd][T][T],
//  "cross_attention": [Ld][Hd][T][S] (row = decoder query, column = source key),
//  "generated": [{"id", "text"}] (only when the decoder input was generated)}
#pragma once

#include "attnviz/core/seq2seq_session.h"

#include <cstdio>

namespace attnviz::core {

// The session names generated ids. Returns false on a write error.
bool writeSeq2SeqJson(std::FILE* out, const Seq2SeqRunResult& result, const Seq2SeqSession& session);

// {"id": N, "text": "..."}
void appendTokenJson(std::string& out, std::int32_t id, const std::string& text);

}  // namespace attnviz::core
