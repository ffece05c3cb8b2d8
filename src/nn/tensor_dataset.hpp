#pragma once
// A labelled data set held in memory: n samples of one per-sample shape (e.g. [C, H, W] images,
// [features], [T, features]) as contiguous row-major floats, and one class index per sample. This
// is "your own data" (built from spans) and what the idx loaders return; the training loop draws
// index batches from BatchSampler and copies them out with gather().

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace simdnorm::nn {

class TensorDataset {
 public:
  // Takes n = labels.size() samples: inputs holds n·∏sample_dims floats (sample i at
  // i·sample_size()), every label is in [0, classes). Needs n ≥ 1, 1 ≤ rank ≤ 3, every dim ≥ 1,
  // classes ≥ 2. Throws simdnorm::Error (a std::invalid_argument) naming the argument, the
  // expected and the given value.
  TensorDataset(std::vector<float> inputs, std::vector<std::int32_t> labels,
                std::vector<std::size_t> sample_dims, std::size_t classes);
  // The same, copying the caller's buffers.
  TensorDataset(std::span<const float> inputs, std::span<const std::int32_t> labels,
                std::vector<std::size_t> sample_dims, std::size_t classes);

  std::size_t size() const { return labels_.size(); }
  std::span<const std::size_t> sample_dims() const { return sample_dims_; }
  std::size_t sample_size() const { return sample_size_; }
  std::size_t classes() const { return classes_; }
  std::span<const float> inputs() const { return inputs_; }
  std::span<const std::int32_t> labels() const { return labels_; }
  std::span<const float> input(std::size_t i) const {
    return std::span<const float>(inputs_).subspan(i * sample_size_, sample_size_);
  }

  // Copies the samples named by `indices` (as BatchSampler::next() returns them) into x, batch
  // order kept, and their labels into `labels`. Allocates nothing. Throws simdnorm::Error
  // when x or labels do not hold exactly indices.size() samples or an index is out of range.
  void gather(std::span<const std::size_t> indices, std::span<float> x,
              std::span<std::int32_t> labels) const;

  // In place, x ← (x − mean[c]) / std[c] as torchvision's Normalize: one mean/std for every value,
  // or one per channel (dim 0 of a [C, H, W] sample). Throws simdnorm::Error for other
  // lengths or a std that is not finite and > 0.
  void normalize(std::span<const float> mean, std::span<const float> std);

  // Samples per class, index = class.
  std::vector<std::size_t> class_counts() const;

 private:
  std::vector<float> inputs_;
  std::vector<std::int32_t> labels_;
  std::vector<std::size_t> sample_dims_;
  std::size_t sample_size_ = 0;
  std::size_t classes_ = 0;
};

}  // namespace simdnorm::nn
