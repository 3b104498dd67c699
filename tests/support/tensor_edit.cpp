#include "support/tensor_edit.h"

#include "attnviz/core/dtype.h"
#include "attnviz/core/safetensors_file.h"
#include "attnviz/core/safetensors_writer.h"

#include <QtGlobal>

namespace attnviz::test {

void editTensor(const std::filesystem::path& dir, const std::string& name,
                const std::function<void(std::vector<float>&)>& edit) {
    const auto path = dir / "model.safetensors";
    std::vector<core::SafetensorsWriter::Entry> entries;
    std::vector<std::vector<float>> data;
    bool found = false;
    {
        auto file = core::SafetensorsFile::open(path);
        if (!file) qFatal("%s", file.error().c_str());
        for (const auto& t : file->tensors()) {
            entries.push_back({t.name, core::DType::F32, t.shape});
            data.emplace_back(t.numel);
            core::convertToFloat(t.dtype, t.data, t.numel, data.back().data());
            if (t.name == name) {
                edit(data.back());
                found = true;
            }
        }
    }
    if (!found) qFatal("no tensor %s in %s", name.c_str(), path.string().c_str());
    std::filesystem::remove(path);
    auto fill = [&](std::size_t i, std::vector<float>& out) { out = data[i]; };
    if (!core::SafetensorsWriter::write(path, entries, fill)) qFatal("rewriting %s failed", path.string().c_str());
}

}  // namespace attnviz::test
