// Rewrites one tensor of a fixture folder's model.safetensors, for tests that
// need bad weights (NaN, Inf, huge values) built at test time.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace attnviz::test {

// Rewrites `dir`/model.safetensors (as F32) with `edit` applied to tensor
// `name`'s values; fails the process (qFatal) when the file or tensor is not
// there, so a broken fixture cannot pass silently.
void editTensor(const std::filesystem::path& dir, const std::string& name,
                const std::function<void(std::vector<float>&)>& edit);

}  // namespace attnviz::test
