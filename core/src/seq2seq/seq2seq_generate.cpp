// Seq2SeqModel::generate: greedy or sampled decoding, one decoder row per
// step against the cached keys and values.
#include "attnviz/core/seq2seq_model.h"

#include "decoder_cache.h"

#include "../generation/token_choice.h"

#include "../models/forward_steps.h"
#include "../out_of_memory.h"

#include <algorithm>

namespace attnviz::core {


Result<Seq2SeqGeneration> Seq2SeqModel::generate(std::span<const std::int32_t> source,
                                                 const GenerateOptions& options) const {
    const Seq2SeqConfig& c = config();
    if (Status s = checkIds(source, "source"); !s) return s.takeError();
    // Decoder positions 0 .. maxNewTokens - 1 are fed.
    if (Status s = checkGenerateOptions(options, std::min(c.maxSequenceLength(), 1 << 16)); !s) return s.takeError();
    const int S = static_cast<int>(source.size());
    const std::string what = "generating from " + std::to_string(S) + " source tokens";
    return guardAllocation(what, std::nullopt, [&]() -> Result<Seq2SeqGeneration> {
        Seq2SeqGeneration out;
        RowMatrix encoded;  // (S, dModel)
        Status encodedOk = encodeSource(source, options.encoderMask, false, false, {}, options.cancel, out.encoder, encoded);
        if (!encodedOk) return encodedOk.takeError();
        auto cache = startDecoder(encoded, options.maxNewTokens, resolveLayerMask(LayerKind::global(), MaskMode::causal(), {}));
        TokenChooser chooser(options);
        out.decoderIds.push_back(c.decoderStartTokenId);
        RowMatrix hidden, logitRow;  // (1, dModel), (1, vocab)
        for (int s = 0; s < options.maxNewTokens; ++s) {
            if (options.cancel != nullptr && options.cancel->load()) return cancelledError();
            GenerationStep step;
            step.self = AttentionBlock(c.decoder.nLayers, c.decoder.nHeads, 1, s + 1);
            step.cross = AttentionBlock(c.decoder.nLayers, c.decoder.nHeads, 1, S);
            const std::int32_t fed = out.decoderIds.back();
            if (Status st = decode(std::span(&fed, 1), *cache, step.self.data(), nullptr, step.cross.data(), hidden); !st) {
                return st.takeError();
            }
            logits(hidden, logitRow);
            const float* l = logitRow.data();
            if (!logitRow.allFinite()) {
                return makeError(ErrorCode::CorruptFile, "the language-model head's logits at step " + std::to_string(s) +
                                                             " are NaN or infinite");
            }
            step.id = chooser.choose(l, c.vocabSize, step.top);
            out.decoderIds.push_back(step.id);
            out.steps.push_back(std::move(step));
            if (options.progress && !options.progress(s + 1, options.maxNewTokens)) return cancelledError();
            if (out.decoderIds.back() == c.eosTokenId) {
                out.stoppedAtEos = true;
                break;
            }
        }
        return out;
    });
}

}  // namespace attnviz::core
