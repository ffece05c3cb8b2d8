#pragma once
// The idx format of MNIST-style files (LeCun et al.): a big-endian header — two zero bytes, the
// value type (0x08 = unsigned byte), the number of dimensions, one uint32 per dimension — then the
// values, row-major. Images are idx3 (magic 0x00000803, [N, H, W]), labels idx1 (0x00000801, [N]).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "nn/tensor_dataset.hpp"

namespace simdnorm::nn {

struct IdxArray {
  std::vector<std::size_t> dims;
  std::vector<std::uint8_t> values;  // ∏dims bytes
};

// Parses a whole uncompressed idx file of unsigned bytes. `source` names the file in errors.
// Throws simdnorm::Error for a bad magic, another value type, a truncated header or data, or
// bytes after the data.
IdxArray parse_idx(std::span<const std::uint8_t> bytes, std::string_view source);

// Reads and parses an idx file, gunzipping it first when it is gzip. Throws std::runtime_error if
// the file cannot be read, simdnorm::Error (naming the path) for bad content.
IdxArray read_idx(const std::filesystem::path& path);

// Images [N, H, W] (idx3) and labels [N] (idx1) as a TensorDataset of N [1, H, W] samples scaled
// to [0, 1] as torchvision's ToTensor does (value / 255 in float). Throws simdnorm::Error naming
// `images_source` / `labels_source` for a wrong rank, different counts or a label ≥ classes.
TensorDataset image_dataset_from_idx(const IdxArray& images, std::string_view images_source,
                                     const IdxArray& labels, std::string_view labels_source,
                                     std::size_t classes);

}  // namespace simdnorm::nn
