// A model folder opened for the UI: the model, its tokenizer when attnviz can
// read it, and why not otherwise (the input is then typed as token ids).
#pragma once

#include "attnviz/core/model.h"
#include "attnviz/core/tokenizer.h"

#include <QString>

#include <memory>

namespace attnviz::ui {

struct LoadedModel {
    std::shared_ptr<const core::Model> model;
    std::shared_ptr<const core::Tokenizer> tokenizer;  // null: input is token ids
    QString dir;
    QString tokenizerProblem;  // set when tokenizer is null
    QString maskToken;         // "[MASK]" or "<mask>" when the vocabulary has one

    bool isValid() const { return model != nullptr; }
    QString name() const;
    // "5 layers x 8 heads"
    QString shapeText() const;
    // True when the model has token types (BERT segments) and the tokenizer takes pairs.
    bool takesPairs() const;
};

// Loads config, weights and tokenizer of `dir`. `progress` may cancel.
core::Result<LoadedModel> loadModelFolder(const QString& dir, const core::ProgressFn& progress = {});

}  // namespace attnviz::ui
