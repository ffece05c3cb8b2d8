#pragma once
// The 2-D toy classification sets, generated from a seed: points roughly in [-1, 1]², balanced
// classes, optional label noise, a seeded train/test split.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace simdnorm::nn {

enum class DatasetKind { spiral, circles, moons, xor_quadrants, blobs };

// "spiral" | "circles" | "moons" | "xor" | "blobs"; throws std::invalid_argument otherwise.
DatasetKind parse_dataset_kind(std::string_view name);
std::string_view to_string(DatasetKind kind);

struct DatasetSpec {
  DatasetKind kind = DatasetKind::spiral;
  std::size_t points = 600;     // train + test, 8 … 100000
  std::size_t classes = 3;      // spiral and blobs: 2 … 8; the others always have 2
  double label_noise = 0;       // fraction in [0, 1) of labels replaced by a different class
  double test_fraction = 0.25;  // in [0, 0.9]
  std::uint32_t seed = 1;
};

struct Split {
  std::vector<float> x;              // interleaved (x, y) pairs: [n, 2] row-major
  std::vector<std::uint8_t> labels;  // n labels in [0, classes)
  std::size_t size() const { return labels.size(); }
};

struct Bounds {
  float x_min, x_max, y_min, y_max;
};

struct Dataset {
  Split train, test;
  std::size_t classes = 0;
  Bounds bounds{};  // square, symmetric: the data's extent plus a 10 % margin
};

// Throws std::invalid_argument naming the field for out-of-range specs.
Dataset make_dataset(const DatasetSpec& spec);

// Classes the kind really has for this spec (2 for circles, moons, xor).
std::size_t dataset_classes(const DatasetSpec& spec);

}  // namespace simdnorm::nn
