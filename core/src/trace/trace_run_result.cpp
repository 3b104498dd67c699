// A trace file as a RunResult: what the views and analyses read, with the
// parts that need the model (induction, predictions) marked unavailable.
#include "attnviz/core/head_stats.h"
#include "attnviz/core/trace_file.h"

namespace attnviz::core {

TraceFileHeader traceFileHeader(const RunResult& result, std::string producer) {
    TraceFileHeader h;
    h.producer = std::move(producer);
    h.model = result.model ? result.model->name() : result.modelName;
    h.modelType = result.model ? result.model->config().modelType : result.modelType;
    h.requestedMask = result.requestedMask.toString();
    h.defaultMask = result.defaultMask;
    h.nKvHeads = result.model ? result.model->config().nKvHeads : 0;
    h.tokens = result.tokens;
    return h;
}

std::shared_ptr<const RunResult> runResultFromTrace(const TraceFile& file) {
    auto r = std::make_shared<RunResult>();
    const TraceFileHeader& h = file.header;
    r->modelName = h.model;
    r->modelType = h.modelType;
    r->traceFile = file.path.string();
    r->tokens = h.tokens;
    r->requestedMask = MaskMode::parse(h.requestedMask).ok() ? *MaskMode::parse(h.requestedMask) : file.trace->mask();
    r->defaultMask = h.defaultMask;
    r->trace = file.trace;
    if (file.trace->maskIsModelDefault()) r->defaultTrace = file.trace;
    r->headStats = computeHeadStats(*file.trace);
    r->inductionProblem = kTraceCannotRerun;
    r->predictionProblem = kTraceCannotRerun;
    return r;
}

}  // namespace attnviz::core
