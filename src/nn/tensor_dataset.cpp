#include "nn/tensor_dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "core/validate.hpp"

namespace simdnorm::nn {
namespace {

constexpr ErrorCode kShape = ErrorCode::shape, kRange = ErrorCode::range;

[[noreturn]] void bad(ErrorCode code, std::string_view fn, const std::string& arg,
                      const std::string& expected, const std::string& given) {
  detail::fail(code, fn, arg, expected, given);
}

std::string dims_string(std::span<const std::size_t> dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

}  // namespace

TensorDataset::TensorDataset(std::vector<float> inputs, std::vector<std::int32_t> labels,
                             std::vector<std::size_t> sample_dims, std::size_t classes)
    : inputs_(std::move(inputs)),
      labels_(std::move(labels)),
      sample_dims_(std::move(sample_dims)),
      classes_(classes) {
  if (sample_dims_.empty() || sample_dims_.size() > 3)
    bad(kShape, "nn::TensorDataset", "sample_dims",
        "1 to 3 dimensions ([features], [T, features] or [C, H, W])", dims_string(sample_dims_));
  sample_size_ = 1;
  for (const std::size_t d : sample_dims_) {
    if (d == 0 || d > std::numeric_limits<std::size_t>::max() / sample_size_)
      bad(kShape, "nn::TensorDataset", "sample_dims", "dimensions ≥ 1 with a representable product",
          dims_string(sample_dims_));
    sample_size_ *= d;
  }
  if (classes_ < 2 || classes_ > std::size_t(std::numeric_limits<std::int32_t>::max()))
    bad(kRange, "nn::TensorDataset", "classes", "an integer ≥ 2", std::to_string(classes_));
  const std::size_t n = labels_.size();
  if (n == 0) bad(kShape, "nn::TensorDataset", "labels", "at least one sample", "0 labels");
  if (inputs_.size() / sample_size_ != n || inputs_.size() % sample_size_ != 0)
    bad(kShape, "nn::TensorDataset", "inputs",
        std::to_string(n) + " samples × " + std::to_string(sample_size_) + " = " +
            std::to_string(n * sample_size_) + " floats (one sample per label)",
        std::to_string(inputs_.size()) + " floats");
  for (std::size_t i = 0; i < n; ++i)
    if (labels_[i] < 0 || std::size_t(labels_[i]) >= classes_)
      bad(kRange, "nn::TensorDataset", "labels[" + std::to_string(i) + "]",
          "a class index in [0, " + std::to_string(classes_ - 1) + "]", std::to_string(labels_[i]));
}

TensorDataset::TensorDataset(std::span<const float> inputs, std::span<const std::int32_t> labels,
                             std::vector<std::size_t> sample_dims, std::size_t classes)
    : TensorDataset(std::vector<float>(inputs.begin(), inputs.end()),
                    std::vector<std::int32_t>(labels.begin(), labels.end()), std::move(sample_dims),
                    classes) {}

void TensorDataset::gather(std::span<const std::size_t> indices, std::span<float> x,
                           std::span<std::int32_t> labels) const {
  const std::size_t b = indices.size();
  if (x.size() != b * sample_size_)
    bad(kShape, "nn::TensorDataset::gather", "x",
        std::to_string(b) + " samples × " + std::to_string(sample_size_) + " floats",
        std::to_string(x.size()) + " floats");
  if (labels.size() != b)
    bad(kShape, "nn::TensorDataset::gather", "labels", std::to_string(b) + " labels",
        std::to_string(labels.size()));
  for (std::size_t j = 0; j < b; ++j) {
    const std::size_t i = indices[j];
    if (i >= size())
      bad(kRange, "nn::TensorDataset::gather", "indices[" + std::to_string(j) + "]",
          "an index in [0, " + std::to_string(size() - 1) + "]", std::to_string(i));
    std::memcpy(x.data() + j * sample_size_, inputs_.data() + i * sample_size_,
                sample_size_ * sizeof(float));
    labels[j] = labels_[i];
  }
}

void TensorDataset::normalize(std::span<const float> mean, std::span<const float> std) {
  const std::size_t channels = sample_dims_.size() == 3 ? sample_dims_[0] : 1;
  for (const auto& [name, values] : {std::pair{"mean", mean}, {"std", std}})
    if (values.size() != 1 && values.size() != channels)
      bad(kShape, "nn::TensorDataset::normalize", name,
          "1 value or one per channel (" + std::to_string(channels) + ")",
          std::to_string(values.size()) + " values");
  for (std::size_t c = 0; c < std.size(); ++c)
    if (!(std::isfinite(std[c]) && std[c] > 0))
      bad(kRange, "nn::TensorDataset::normalize", "std[" + std::to_string(c) + "]",
          "a finite value > 0", std::to_string(std[c]));
  // Per channel: a [C, H, W] sample is C runs of H·W values; otherwise one run per sample.
  const std::size_t runs = mean.size() == 1 && std.size() == 1 ? 1 : channels;
  const std::size_t run = sample_size_ / runs;
  for (std::size_t i = 0; i < size(); ++i)
    for (std::size_t c = 0; c < runs; ++c) {
      const float m = mean[mean.size() == 1 ? 0 : c];
      const float s = std[std.size() == 1 ? 0 : c];
      float* p = inputs_.data() + i * sample_size_ + c * run;
      // Divide rather than multiply by 1/s, as torchvision does, so results match it bit for bit.
      for (std::size_t k = 0; k < run; ++k) p[k] = (p[k] - m) / s;
    }
}

std::vector<std::size_t> TensorDataset::class_counts() const {
  std::vector<std::size_t> counts(classes_);
  for (const std::int32_t label : labels_) ++counts[std::size_t(label)];
  return counts;
}

}  // namespace simdnorm::nn
