#pragma once
// Reader for the idx format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist): a big-endian
// header (0, 0, type 0x08 = unsigned byte, rank) then rank u32 dimensions and the bytes. Reads
// plain files and, when built with zlib, gzip-compressed ones (Debian's dataset-fashion-mnist).
// Native only: the wasm build reads idx in JavaScript.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace simdnorm::nn {

struct IdxArray {
  std::vector<std::size_t> dims;  // e.g. {60000, 28, 28} or {60000}
  std::vector<std::uint8_t> data;
};

// Throws std::runtime_error naming the file and what was expected and found (missing file, bad
// magic, a type other than unsigned byte, fewer bytes than the dimensions promise, trailing data).
IdxArray read_idx(const std::filesystem::path& path);

// An image classification set from an images file [n, h, w] and a labels file [n]: pixels
// scaled to [0, 1] as floats [n, 1, h, w], labels as int32. Throws when the counts differ.
struct ImageSet {
  std::size_t n = 0, height = 0, width = 0, classes = 0;  // classes = max label + 1
  std::vector<float> images;
  std::vector<std::int32_t> labels;
};
ImageSet read_idx_images(const std::filesystem::path& images, const std::filesystem::path& labels);

}  // namespace simdnorm::nn
