#include "attnviz/core/seq2seq_model.h"

#include "attnviz/core/attention_kernel.h"
#include "bart_model.h"
#include "decoder_cache.h"
#include "t5_model.h"

#include "attnviz/core/model_discovery.h"

#include "../models/forward_steps.h"
#include "../out_of_memory.h"

#include <algorithm>
#include <climits>

namespace attnviz::core {

namespace {

// The same bound as a decoder-only run's trace (model.cpp).
constexpr std::uint64_t kMaxTraceBytes = 4ull << 30;

MaskMode resolved(MaskMode mask, MaskMode fallback) { return mask.kind == MaskMode::Kind::Default ? fallback : mask; }

void prepareTrace(AttentionTrace& trace, int nLayers, MaskMode mask, MaskMode trained,
                  std::span<const std::int32_t> ids) {
    trace.setMask(mask);
    trace.setLayers(std::vector<LayerKind>(static_cast<std::size_t>(nLayers), LayerKind::global()), {});
    trace.setMaskIsModelDefault(mask == trained);
    trace.tokenIds.assign(ids.begin(), ids.end());
}

// Every layer in `layers` is one of the stack's `nLayers`, or an error naming it.
Status checkCaptureLayers(const std::vector<int>& layers, int nLayers, const char* stack) {
    for (int l : layers) {
        if (l < 0 || l >= nLayers) {
            return makeError(ErrorCode::InvalidInput, std::string(stack) + " layer " + std::to_string(l) +
                                                          " to capture is outside its layers (0.." +
                                                          std::to_string(nLayers - 1) + ")");
        }
    }
    return {};
}

}  // namespace

const LayerCapture* Seq2SeqTrace::crossCapture(int layer) const {
    if (layer < 0 || layer >= static_cast<int>(crossCaptures.size())) return nullptr;
    return crossCaptures[static_cast<std::size_t>(layer)].get();
}

Status Seq2SeqModel::encodeSource(std::span<const std::int32_t> source, MaskMode mask, bool captureScores,
                                  bool captureValueNorms, const std::vector<int>& captureLayers,
                                  const std::atomic<bool>* cancel, AttentionTrace& trace,
                                  RowMatrix& hidden) const {
    const Seq2SeqConfig& c = m_config;
    trace = AttentionTrace::forOverwrite(c.encoder.nLayers, c.encoder.nHeads, static_cast<int>(source.size()),
                                         captureScores, captureValueNorms);
    prepareTrace(trace, c.encoder.nLayers, resolved(mask, MaskMode::bidirectional()), MaskMode::bidirectional(), source);
    if (Status s = checkCaptureLayers(captureLayers, c.encoder.nLayers, "encoder"); !s) return s;
    trace.requestCaptures(captureLayers);
    if (Status s = encode(source, cancel, trace, hidden); !s) return s;
    if (const auto [layer, head] = trace.firstNonFiniteScores(); layer >= 0) {
        return makeError(ErrorCode::CorruptFile, "the attention scores of encoder layer " + std::to_string(layer) +
                                                     " are NaN or infinite: a weight holds NaN or Inf, or the values "
                                                     "overflow float32");
    }
    return {};
}

std::vector<std::int32_t> Seq2SeqModel::teacherForcedInput(std::span<const std::int32_t> labels) const {
    std::vector<std::int32_t> input{m_config.decoderStartTokenId};
    if (!labels.empty()) input.insert(input.end(), labels.begin(), labels.end() - 1);
    return input;
}

Status Seq2SeqModel::checkIds(std::span<const std::int32_t> ids, const char* what) const {
    if (ids.empty()) return makeError(ErrorCode::InvalidInput, std::string("the ") + what + " has no tokens");
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0 || ids[i] >= m_config.vocabSize) {
            return makeError(ErrorCode::InvalidInput, std::string("token id ") + std::to_string(ids[i]) + " at " + what +
                                                          " position " + std::to_string(i) +
                                                          " is outside the vocabulary (0.." +
                                                          std::to_string(m_config.vocabSize - 1) + ")");
        }
    }
    if (static_cast<long long>(ids.size()) > m_config.maxSequenceLength()) {
        return makeError(ErrorCode::InvalidInput, std::string("the ") + what + " has " + std::to_string(ids.size()) +
                                                      " tokens; this model takes at most " +
                                                      std::to_string(m_config.maxSequenceLength()));
    }
    return {};
}

Result<Seq2SeqTrace> Seq2SeqModel::run(std::span<const std::int32_t> source, std::span<const std::int32_t> decoderInput,
                                       const Seq2SeqRunOptions& options) const {
    const Seq2SeqConfig& c = m_config;
    if (Status s = checkIds(source, "source"); !s) return s.takeError();
    if (Status s = checkIds(decoderInput, "decoder input"); !s) return s.takeError();
    const auto S = static_cast<std::uint64_t>(source.size());
    const auto T = static_cast<std::uint64_t>(decoderInput.size());
    std::vector<char> wanted(T, 0);
    for (int p : options.logitPositions) {
        if (p < 0 || static_cast<std::uint64_t>(p) >= T || wanted[static_cast<std::size_t>(p)]) {
            return makeError(ErrorCode::InvalidInput, "logits position " + std::to_string(p) + " is outside the decoder "
                                                      "input (0.." + std::to_string(T - 1) + ") or asked for twice");
        }
        wanted[static_cast<std::size_t>(p)] = 1;
    }
    if (Status s = checkCaptureLayers(options.captureDecoderLayers, c.decoder.nLayers, "decoder"); !s) return s.takeError();
    if (Status s = checkCaptureLayers(options.captureCrossLayers, c.decoder.nLayers, "cross-attention"); !s) {
        return s.takeError();
    }
    const std::uint64_t copies = options.captureScores ? 2 : 1;
    const std::uint64_t traceBytes = sizeof(float) * (copies * c.encoder.nLayers * c.encoder.nHeads * S * S +
                                                      copies * c.decoder.nLayers * c.decoder.nHeads * T * T +
                                                      static_cast<std::uint64_t>(c.decoder.nLayers) * c.decoder.nHeads * T * S);
    if (traceBytes > kMaxTraceBytes) {
        return makeError(ErrorCode::OutOfMemory, "recording every head's attention of " + std::to_string(S) +
                                                     " source and " + std::to_string(T) + " target tokens would need " +
                                                     byteSizeText(traceBytes) + " (limit " + byteSizeText(kMaxTraceBytes) +
                                                     "): shorten the text");
    }
    const MaskMode decoderMask = resolved(options.decoderMask, MaskMode::causal());
    const std::string what = "a run of " + std::to_string(S) + " source and " + std::to_string(T) + " target tokens";
    return guardAllocation(what, traceBytes, [&]() -> Result<Seq2SeqTrace> {
        Seq2SeqTrace trace;
        RowMatrix encoded;  // (S, dModel)
        Status encodedOk = encodeSource(source, options.encoderMask, options.captureScores, options.captureValueNorms,
                                        options.captureEncoderLayers, options.cancel,
                                        trace.encoder, encoded);
        if (!encodedOk) return encodedOk.takeError();
        if (options.cancel != nullptr && options.cancel->load()) return cancelledError();

        trace.decoder = AttentionTrace::forOverwrite(c.decoder.nLayers, c.decoder.nHeads, static_cast<int>(T),
                                                     options.captureScores, options.captureValueNorms);
        prepareTrace(trace.decoder, c.decoder.nLayers, decoderMask, MaskMode::causal(), decoderInput);
        trace.cross = AttentionBlock(c.decoder.nLayers, c.decoder.nHeads, static_cast<int>(T), static_cast<int>(S));
        auto cache = startDecoder(encoded, static_cast<int>(T), trace.decoder.layerMask(0));
        trace.decoder.requestCaptures(options.captureDecoderLayers);
        std::vector<std::shared_ptr<LayerCapture>> crossCaptures;
        if (!options.captureDecoderLayers.empty() || !options.captureCrossLayers.empty()) {
            cache->selfCaptures.assign(static_cast<std::size_t>(c.decoder.nLayers), nullptr);
            cache->crossCaptures.assign(static_cast<std::size_t>(c.decoder.nLayers), nullptr);
            crossCaptures.resize(static_cast<std::size_t>(c.decoder.nLayers));
        }
        for (int l : options.captureDecoderLayers) cache->selfCaptures[static_cast<std::size_t>(l)] = trace.decoder.captureFor(l);
        for (int l : options.captureCrossLayers) {
            auto& slot = crossCaptures[static_cast<std::size_t>(l)];
            if (!slot) slot = std::make_shared<LayerCapture>();
            slot->layer = l;
            cache->crossCaptures[static_cast<std::size_t>(l)] = slot.get();
        }
        RowMatrix hidden;  // (T, dModel)
        Status s = decode(decoderInput, *cache, trace.decoder.probs(0, 0),
                          options.captureScores ? trace.decoder.rawScores(0, 0) : nullptr, trace.cross.data(), hidden);
        if (!s) return s.takeError();
        trace.crossCaptures.assign(crossCaptures.begin(), crossCaptures.end());
        for (int l = 0; options.captureValueNorms && l < c.decoder.nLayers; ++l) {
            // The cache holds every decoder position's values.
            recordLayerValueNorms(cache->layers[static_cast<std::size_t>(l)].selfV, static_cast<int>(T),
                                  decoderSelfOutput(l), c.decoder.nHeads, c.decoder.headDim, l, trace.decoder);
        }
        if (options.computeLogits) {
            RowMatrix rows;  // (logitRows, dModel)
            if (options.logitPositions.empty()) {
                rows = std::move(hidden);
            } else {
                rows.resize(static_cast<Eigen::Index>(options.logitPositions.size()), hidden.cols());
                for (std::size_t r = 0; r < options.logitPositions.size(); ++r) {
                    rows.row(static_cast<Eigen::Index>(r)) = hidden.row(options.logitPositions[r]);
                }
            }
            RowMatrix out;  // (logitRows, vocab)
            logits(rows, out);
            if (!out.allFinite()) {
                return makeError(ErrorCode::CorruptFile, "the language-model head's logits are NaN or infinite");
            }
            trace.decoder.logitPositions = options.logitPositions;
            storeLogits(out, c.vocabSize, trace.decoder);
        }
        return trace;
    });
}

bool isSeq2SeqFolder(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return false;
    return Seq2SeqConfig::isSeq2SeqType(folderModelType(dir));
}

Result<std::unique_ptr<Seq2SeqModel>> loadSeq2SeqModel(const std::filesystem::path& dir, const ProgressFn& progress) {
    auto config = Seq2SeqConfig::fromFile(dir / "config.json");
    if (!config) return config.takeError();
    if (progress && !progress(0, 1)) return cancelledError();
    auto store = WeightStore::open(dir);
    if (!store) return store.takeError();
    auto owned = std::make_unique<WeightStore>(std::move(store.value()));
    const std::string weightsSource = owned->source().string();
    const std::string what = "the weights of '" + dir.string() + "' (" + byteSizeText(owned->totalBytes()) + " on disk)";
    auto model = guardAllocation(what, std::nullopt, [&]() -> Result<std::unique_ptr<Seq2SeqModel>> {
        if (config->architecture == Seq2SeqArchitecture::T5) return T5Model::create(config.value(), std::move(owned));
        return BartModel::create(config.value(), std::move(owned));
    });
    if (!model) return prefixError("'" + dir.string() + "': ", model.takeError());
    if (progress) progress(1, 1);
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(dir, ec);
    // A Hugging Face cache snapshot is named "org/name", not by its revision.
    std::string name = storeModelName(dir);
    if (name.empty()) name = (ec ? dir : canonical).filename().string();
    (*model)->setName(name.empty() ? dir.string() : name);
    (*model)->setWeightsSource(weightsSource);
    return model;
}

}  // namespace attnviz::core
