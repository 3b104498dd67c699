// A model folder opened for the UI: the core::Session that runs it, and the
// Qt forms of what the window shows about it.
#pragma once

#include "attnviz/core/seq2seq_session.h"
#include "attnviz/core/session.h"

#include <QString>

#include <memory>

namespace attnviz::ui {

struct LoadedModel {
    std::shared_ptr<core::Session> session;  // decoder-only and encoder-only models
    // Encoder-decoder models (T5, BART, Marian) instead of `session`; `model`
    // is then null and `tokenizer` is the source side's.
    std::shared_ptr<core::Seq2SeqSession> seq2seq;
    // The session's parts, for code that reads them directly.
    std::shared_ptr<const core::Model> model;
    std::shared_ptr<const core::Tokenizer> tokenizer;  // null: input is token ids
    QString dir;
    QString tokenizerProblem;  // set when tokenizer is null
    QString maskToken;         // "[MASK]" or "<mask>" when the vocabulary has one

    bool isValid() const { return session != nullptr || seq2seq != nullptr; }
    bool isSeq2Seq() const { return seq2seq != nullptr; }
    QString name() const;
    // "5 layers x 8 heads"
    QString shapeText() const;
    // True when the model has token types (BERT segments) and the tokenizer takes pairs.
    bool takesPairs() const { return session && session->takesPairs(); }
};

// The UI's view of an opened session.
LoadedModel loadedModel(std::shared_ptr<core::Session> session);

// The UI's view of an opened encoder-decoder session.
LoadedModel loadedModel(std::shared_ptr<core::Seq2SeqSession> session, const QString& dir);

// Loads config, weights and tokenizer of `dir`. `progress` may cancel.
core::Result<LoadedModel> loadModelFolder(const QString& dir, const core::ProgressFn& progress = {});

}  // namespace attnviz::ui
