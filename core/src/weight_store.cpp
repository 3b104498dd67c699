#include "attnviz/core/weight_store.h"

#include "json_file.h"
#include "out_of_memory.h"
#include "shape_text.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <set>

namespace attnviz::core {

Result<WeightStore> WeightStore::open(const std::filesystem::path& modelDir) {
    namespace fs = std::filesystem;
    WeightStore store;
    std::vector<fs::path> shardPaths;
    const fs::path single = modelDir / "model.safetensors";
    const fs::path index = modelDir / "model.safetensors.index.json";
    std::error_code ec;
    if (fs::is_regular_file(single, ec)) {
        shardPaths.push_back(single);
    } else if (fs::is_regular_file(index, ec)) {
        auto json = readJsonFile(index);
        if (!json) return json.takeError();
        const auto wm = json->find("weight_map");
        if (wm == json->end() || !wm->is_object()) {
            return makeError(ErrorCode::CorruptFile, "'" + index.string() + "' has no \"weight_map\" object");
        }
        std::set<std::string> shards;
        for (auto it = wm->begin(); it != wm->end(); ++it) {
            if (!it->is_string()) {
                return makeError(ErrorCode::CorruptFile,
                                 "'" + index.string() + "': weight_map entry '" + it.key() + "' is not a file name");
            }
            const std::string shard = it->get<std::string>();
            if (shard.empty() || shard.find('/') != std::string::npos || shard.find("..") != std::string::npos) {
                return makeError(ErrorCode::CorruptFile,
                                 "'" + index.string() + "': shard name '" + shard + "' is not a plain file name");
            }
            shards.insert(shard);
        }
        if (shards.empty()) return makeError(ErrorCode::CorruptFile, "'" + index.string() + "' lists no shards");
        for (const auto& s : shards) shardPaths.push_back(modelDir / s);
    } else if (fs::is_regular_file(modelDir / "pytorch_model.bin", ec)) {
        return makeError(ErrorCode::Unsupported,
                         "'" + modelDir.string() +
                             "' holds only pytorch_model.bin; attnviz reads safetensors (convert with "
                             "transformers: model.save_pretrained(dir, safe_serialization=True))");
    } else {
        return makeError(ErrorCode::Io, "no weights in '" + modelDir.string() +
                                            "': expected model.safetensors or model.safetensors.index.json");
    }

    store.m_source = shardPaths.front() == single ? single : index;
    for (const auto& path : shardPaths) {
        auto file = SafetensorsFile::open(path);
        if (!file) return file.takeError();
        auto owned = std::make_unique<SafetensorsFile>(std::move(file.value()));
        for (const TensorInfo& t : owned->tensors()) {
            if (store.m_byName.count(t.name)) {
                return makeError(ErrorCode::CorruptFile,
                                 "tensor '" + t.name + "' appears in more than one shard ('" + path.string() + "')");
            }
            store.m_byName.emplace(t.name, &t);
            store.m_fileOf.emplace(t.name, owned.get());
        }
        store.m_files.push_back(std::move(owned));
    }
    return store;
}

Result<WeightStore> WeightStore::derived(std::filesystem::path source, std::shared_ptr<const void> owner,
                                         std::vector<DerivedTensor> tensors, std::uint64_t lazyLayerBudget,
                                         bool transposeMatrices) {
    WeightStore store;
    store.m_transposeMatrices = transposeMatrices;
    store.m_source = std::move(source);
    store.m_derivedOwner = std::move(owner);
    if (lazyLayerBudget > 0) store.m_lazy = std::make_unique<LazyLayers>(lazyLayerBudget);
    for (DerivedTensor& t : tensors) {
        // Vectors (norm gains, biases) are small: filled once, up front.
        if (store.m_lazy && t.layer >= 0 && t.shape.size() >= 2) {
            std::uint64_t numel = 1;
            for (auto d : t.shape) numel *= static_cast<std::uint64_t>(d);
            store.m_lazyIndex[t.name] = store.m_lazy->add(t.layer, numel, t.fill);
        }
        std::string name = t.name;
        store.m_derived.emplace(std::move(name), std::move(t));
    }
    if (store.m_lazy && !store.m_lazy->reserve()) {
        return makeError(ErrorCode::OutOfMemory, "could not reserve address space for the layers of '" +
                                                     store.m_source.string() + "'");
    }
    return store;
}

namespace {

// Float32 in place from the mapping: nothing to convert.
bool usableInPlace(const TensorInfo& t) {
    return t.dtype == DType::F32 && reinterpret_cast<std::uintptr_t>(t.data) % alignof(float) == 0;
}

}  // namespace

bool WeightStore::transposesMatrices(std::uint64_t floatBytes) {
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || pageSize <= 0) return false;
    return floatBytes <= std::uint64_t(pages) * std::uint64_t(pageSize) / 4;
}

void WeightStore::convertLayersLazily(std::uint64_t budgetBytes, bool transposeMatrices) {
    if (m_derived.empty() && budgetBytes > 0) {
        m_lazy = std::make_unique<LazyLayers>(budgetBytes);
        m_transposeMatrices = transposeMatrices;
    }
}

namespace {

// out (cols, rows) = the transpose of a (rows, cols) matrix whose row
// segments readRow(r, c0, count, dst) writes as float32, in 32 x 32 tiles
// so reads and writes both stay in cache (no buffer the size of the matrix).
template <class ReadRow>
void transposeTiles(std::int64_t rows, std::int64_t cols, ReadRow readRow, float* out) {
    constexpr std::int64_t kTile = 32;
    float tile[kTile][kTile];  // (rows, cols) of one tile
    for (std::int64_t r0 = 0; r0 < rows; r0 += kTile) {
        const std::int64_t r1 = std::min(rows, r0 + kTile);
        for (std::int64_t c0 = 0; c0 < cols; c0 += kTile) {
            const std::int64_t c1 = std::min(cols, c0 + kTile);
            for (std::int64_t r = r0; r < r1; ++r) readRow(r, c0, c1 - c0, tile[r - r0]);
            for (std::int64_t c = c0; c < c1; ++c) {
                for (std::int64_t r = r0; r < r1; ++r) out[c * rows + r] = tile[r - r0][c - c0];
            }
        }
    }
}

// out (cols, rows) = the transpose of in (rows, cols).
void transposeMatrix(const float* in, std::int64_t rows, std::int64_t cols, float* out) {
    transposeTiles(rows, cols, [&](std::int64_t r, std::int64_t c0, std::int64_t n, float* dst) {
        std::copy_n(in + r * cols + c0, n, dst);
    }, out);
}

// out (cols, rows) = the transpose of t's (rows, cols) values as float32.
void transposeToFloat(const TensorInfo& t, std::int64_t rows, std::int64_t cols, float* out) {
    const std::size_t size = dtypeSize(t.dtype);
    transposeTiles(rows, cols, [&](std::int64_t r, std::int64_t c0, std::int64_t n, float* dst) {
        convertToFloat(t.dtype, t.data + static_cast<std::size_t>(r * cols + c0) * size, static_cast<std::size_t>(n), dst);
    }, out);
}

}  // namespace

bool WeightStore::planLazy(const std::string& name, int layer, const std::vector<std::int64_t>& shape, bool transpose) {
    if (m_transposedNames.count(name) != 0) return true;  // planned before
    const bool transposing = transpose && m_transposeMatrices && shape.size() == 2;
    if (!m_derived.empty()) {
        auto d = m_derived.find(name);
        auto lazy = m_lazyIndex.find(name);
        if (!transposing || d == m_derived.end() || d->second.shape != shape || lazy == m_lazyIndex.end()) return false;
        m_transposedNames.insert(name);
        const std::int64_t rows = shape[0], cols = shape[1];
        m_lazy->wrapFill(lazy->second, [rows, cols](std::function<void(float*)> fill) {
            return [fill = std::move(fill), rows, cols](float* out) {
                const std::unique_ptr<float[]> stored(new float[static_cast<std::size_t>(rows * cols)]);
                fill(stored.get());
                transposeMatrix(stored.get(), rows, cols, out);
            };
        });
        return true;
    }
    if (!convertsLazily() || shape.size() < 2 || layer < 0 || m_lazyIndex.count(name) != 0) return false;
    auto it = m_byName.find(name);
    if (it == m_byName.end() || it->second->shape != shape) return false;
    const TensorInfo* t = it->second;
    if (transposing) {
        const std::int64_t rows = shape[0], cols = shape[1];
        m_lazyIndex[name] = m_lazy->add(layer, t->numel, [t, rows, cols](float* out) { transposeToFloat(*t, rows, cols, out); });
        m_transposedNames.insert(name);
        return true;
    }
    if (usableInPlace(*t)) return false;
    m_lazyIndex[name] = m_lazy->add(layer, t->numel, [t](float* out) { convertToFloat(t->dtype, t->data, t->numel, out); });
    return false;
}

Status WeightStore::reserveLazy() {
    if (!convertsLazily() || m_lazy->reserve()) return {};
    return makeError(ErrorCode::OutOfMemory, "could not reserve address space for the layers of '" + m_source.string() + "'");
}

std::uint64_t WeightStore::convertedMatrixBytes() const {
    std::uint64_t bytes = 0;
    for (const auto& [name, t] : m_byName) {
        if (t->shape.size() >= 2 && !usableInPlace(*t)) bytes += t->numel * sizeof(float);
    }
    return bytes;
}

std::uint64_t WeightStore::matrixBytes() const {
    std::uint64_t bytes = 0;
    for (const auto& [name, t] : m_byName) {
        if (t->shape.size() >= 2) bytes += t->numel * sizeof(float);
    }
    return bytes;
}

std::string WeightStore::describe(const std::string& name) const {
    auto it = m_sourceNames.find(name);
    return it == m_sourceNames.end() ? "'" + name + "'" : "'" + it->second + "' (" + name + ")";
}

bool WeightStore::contains(std::string_view name) const {
    const std::string key(name);
    return m_byName.count(key) != 0 || m_derived.count(key) != 0;
}

const TensorInfo* WeightStore::info(std::string_view name) const {
    auto it = m_byName.find(std::string(name));
    return it == m_byName.end() ? nullptr : it->second;
}

std::vector<std::string> WeightStore::names() const {
    std::vector<std::string> out;
    for (const auto& [name, info] : m_byName) out.push_back(name);
    for (const auto& [name, t] : m_derived) out.push_back(name);
    return out;
}

std::uint64_t WeightStore::totalBytes() const {
    std::uint64_t total = 0;
    for (const auto& [name, info] : m_byName) total += info->byteSize;
    for (const auto& [name, t] : m_derived) total += t.storedBytes;
    return total;
}

Result<const float*> WeightStore::floats(std::string_view name, const std::vector<std::int64_t>& expectedShape) {
    const std::string key(name);
    if (auto d = m_derived.find(key); d != m_derived.end()) return derivedFloats(d->second, expectedShape);
    auto it = m_byName.find(key);
    if (it == m_byName.end()) {
        return makeError(ErrorCode::CorruptFile, "tensor '" + key + "' is missing from the model's weights");
    }
    const TensorInfo& t = *it->second;
    const std::vector<std::int64_t> expected(expectedShape);
    if (t.shape != expected) {
        return makeError(ErrorCode::CorruptFile, "tensor '" + key + "' in '" + m_fileOf.at(key)->path().string() +
                                                     "' has shape " + shapeText(t.shape) + ", expected " +
                                                     shapeText(expected));
    }
    if (auto c = m_converted.find(key); c != m_converted.end()) return c->second;
    if (auto lazy = m_lazyIndex.find(key); lazy != m_lazyIndex.end()) return m_lazy->data(lazy->second);
    const bool aligned = reinterpret_cast<std::uintptr_t>(t.data) % alignof(float) == 0;
    if (t.dtype == DType::F32 && aligned) {
        return reinterpret_cast<const float*>(t.data);  // zero copy from the mapping
    }
    const std::string what = "tensor '" + key + "' as float32";
    return guardAllocation(what, t.numel * sizeof(float), [&]() -> Result<const float*> {
        AlignedVector<float>& buffer = m_owned.emplace_back(t.numel);
        convertToFloat(t.dtype, t.data, t.numel, buffer.data());
        m_converted.emplace(key, buffer.data());
        return buffer.data();
    });
}

Result<const float*> WeightStore::derivedFloats(const DerivedTensor& t, const std::vector<std::int64_t>& expectedShape) {
    if (t.shape != expectedShape) {
        return makeError(ErrorCode::CorruptFile, "tensor '" + t.name + "' in '" + m_source.string() + "' has shape " +
                                                     shapeText(t.shape) + ", expected " + shapeText(expectedShape));
    }
    if (auto c = m_converted.find(t.name); c != m_converted.end()) return c->second;
    if (auto lazy = m_lazyIndex.find(t.name); lazy != m_lazyIndex.end()) return m_lazy->data(lazy->second);
    std::uint64_t numel = 1;
    for (auto d : t.shape) numel *= static_cast<std::uint64_t>(d);
    return guardAllocation("tensor '" + t.name + "' as float32", numel * sizeof(float), [&]() -> Result<const float*> {
        AlignedVector<float>& buffer = m_owned.emplace_back(numel);
        t.fill(buffer.data());
        m_converted.emplace(t.name, buffer.data());
        return buffer.data();
    });
}

}  // namespace attnviz::core
