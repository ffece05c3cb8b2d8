// TensorDataset, the "your own data" type: validation messages, gather against the sampler's
// indices, Normalize against a double reference, class counts.

#include "nn/tensor_dataset.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/batch_sampler.hpp"
#include "nn/idx.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn {
namespace {

using Floats = std::vector<float>;
using Labels = std::vector<std::int32_t>;
using Dims = std::vector<std::size_t>;

// Sample i's values are 1000·i + k, so any misplaced copy shows.
TensorDataset counting(std::size_t n, Dims dims, std::size_t classes) {
  std::size_t size = 1;
  for (const std::size_t d : dims) size *= d;
  Floats x(n * size);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < size; ++k) x[i * size + k] = float(1000 * i + k);
  Labels y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = std::int32_t(i % classes);
  return TensorDataset(std::span<const float>(x), std::span<const std::int32_t>(y), dims, classes);
}

// The message of the std::invalid_argument that f throws ("" if it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(TensorDataset, HoldsWhatItWasGiven) {
  const TensorDataset d = counting(5, {2, 3, 4}, 3);
  EXPECT_EQ(d.size(), 5u);
  EXPECT_EQ(d.sample_size(), 24u);
  EXPECT_EQ(Dims(d.sample_dims().begin(), d.sample_dims().end()), (Dims{2, 3, 4}));
  EXPECT_EQ(d.classes(), 3u);
  EXPECT_EQ(d.input(3)[0], 3000.0f);
  EXPECT_EQ(d.input(3)[23], 3023.0f);
  EXPECT_EQ(d.labels()[4], 1);
  EXPECT_EQ(d.class_counts(), (std::vector<std::size_t>{2, 2, 1}));
}

TEST(TensorDataset, AnyNumberOfClassesAndSampleRanks) {
  const TensorDataset wide = counting(1000, {7}, 1000);  // one sample per class
  EXPECT_EQ(wide.class_counts(), std::vector<std::size_t>(1000, 1));
  EXPECT_EQ(counting(4, {28, 28}, 2).sample_size(), 784u);  // [T, features] sequences
}

TEST(TensorDataset, RejectsInconsistentInputsNamingTheArgument) {
  const auto make = [](Floats x, Labels y, Dims dims, std::size_t classes) {
    return error_of([&] { TensorDataset(std::move(x), std::move(y), std::move(dims), classes); });
  };
  EXPECT_EQ(make(Floats(12), {0, 1, 2}, {4}, 3), "");
  EXPECT_EQ(make(Floats(11), {0, 1, 2}, {4}, 3),
            "simdnorm: nn::TensorDataset: inputs: expected 3 samples × 4 = 12 floats (one sample "
            "per label), got 11 floats");
  EXPECT_EQ(make(Floats(12), {0, 1, 3}, {4}, 3),
            "simdnorm: nn::TensorDataset: labels[2]: expected a class index in [0, 2], got 3");
  EXPECT_EQ(make(Floats(12), {0, -1, 2}, {4}, 3),
            "simdnorm: nn::TensorDataset: labels[1]: expected a class index in [0, 2], got -1");
  EXPECT_EQ(make(Floats(12), {0, 0, 0}, {4}, 1),
            "simdnorm: nn::TensorDataset: classes: expected an integer ≥ 2, got 1");
  EXPECT_EQ(make({}, {}, {4}, 3),
            "simdnorm: nn::TensorDataset: labels: expected at least one sample, got 0 labels");
  EXPECT_NE(make(Floats(12), {0, 1, 2}, {}, 3).find("sample_dims: expected 1 to 3 dimensions"),
            std::string::npos);
  EXPECT_NE(make(Floats(12), {0, 1, 2}, {1, 1, 2, 2}, 3).find("got [1, 1, 2, 2]"),
            std::string::npos);
  EXPECT_NE(make(Floats(12), {0, 1, 2}, {4, 0}, 3).find("sample_dims: expected dimensions ≥ 1"),
            std::string::npos);
  const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
  EXPECT_NE(make(Floats(12), {0, 1, 2}, {huge, 4}, 3).find("representable product"),
            std::string::npos);
}

TEST(TensorDataset, GathersTheSamplersBatchesInOrder) {
  const TensorDataset d = counting(50, {3, 2, 2}, 4);
  BatchSampler sampler(d.size(), 8, 7);
  Floats x(8 * 12);
  Labels y(8);
  for (int step = 0; step < 20; ++step) {  // crosses several epochs
    const auto batch = sampler.next();
    d.gather(batch, x, y);
    for (std::size_t j = 0; j < batch.size(); ++j) {
      EXPECT_EQ(y[j], std::int32_t(batch[j] % 4));
      for (std::size_t k = 0; k < 12; ++k)
        ASSERT_EQ(x[j * 12 + k], float(1000 * batch[j] + k))
            << "batch row " << j << ", value " << k;
    }
  }
}

TEST(TensorDataset, GatherRejectsWrongBuffersAndIndices) {
  const TensorDataset d = counting(5, {2}, 2);
  const std::vector<std::size_t> idx = {0, 4};
  Floats x(4);
  Labels y(2);
  EXPECT_EQ(error_of([&] { d.gather(idx, x, y); }), "");
  EXPECT_EQ(error_of([&] { d.gather(idx, std::span(x).first(3), y); }),
            "simdnorm: nn::TensorDataset::gather: x: expected 2 samples × 2 floats, got 3 floats");
  EXPECT_EQ(error_of([&] { d.gather(idx, x, std::span(y).first(1)); }),
            "simdnorm: nn::TensorDataset::gather: labels: expected 2 labels, got 1");
  const std::vector<std::size_t> out_of_range = {1, 5};
  EXPECT_EQ(error_of([&] { d.gather(out_of_range, x, y); }),
            "simdnorm: nn::TensorDataset::gather: indices[1]: expected an index in [0, 4], got 5");
}

TEST(TensorDataset, NormalizeMatchesTheDefinitionPerValueAndPerChannel) {
  // Per channel on [C, H, W]: channel c of every sample uses mean[c], std[c].
  TensorDataset d = counting(3, {2, 2, 3}, 2);
  const Floats before(d.inputs().begin(), d.inputs().end());
  const Floats mean = {100.0f, -3.5f}, std = {7.0f, 0.25f};
  d.normalize(mean, std);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t k = 0; k < 12; ++k) {
      const std::size_t c = k / 6, at = i * 12 + k;
      // One float subtraction and one division: within 1 ulp of the double definition.
      const double want = (double(before[at]) - mean[c]) / std[c];
      EXPECT_NEAR(d.inputs()[at], want, std::abs(want) * 2e-7 + 1e-30)
          << "sample " << i << " k " << k;
    }
  // One mean/std for everything, on [features] samples.
  TensorDataset f = counting(2, {5}, 2);
  f.normalize(Floats{0.1307f}, Floats{0.3081f});
  EXPECT_FLOAT_EQ(f.inputs()[7], float((1002.0 - 0.1307f) / 0.3081f));
}

TEST(TensorDataset, NormalizeRejectsBadStatistics) {
  TensorDataset d = counting(2, {3, 2, 2}, 2);
  const Floats one = {1.0f}, two = {1.0f, 1.0f};
  EXPECT_EQ(error_of([&] { d.normalize(two, one); }),
            "simdnorm: nn::TensorDataset::normalize: mean: expected 1 value or one per channel "
            "(3), got 2 values");
  const Floats zero = {0.0f}, nan = {std::nanf("")};
  EXPECT_EQ(error_of([&] { d.normalize(one, zero); }),
            "simdnorm: nn::TensorDataset::normalize: std[0]: expected a finite value > 0, got "
            "0.000000");
  EXPECT_NE(error_of([&] { d.normalize(one, nan); }).find("std[0]: expected a finite value > 0"),
            std::string::npos);
}

// simdnorm::Error's code says which kind of mistake it was (the JS bindings map it to an error
// class): sizes that do not fit are `shape`, values out of range are `range`.
TEST(TensorDataset, ErrorCodesOfDataMistakes) {
  const auto code_of = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return int(e.code());
    }
    return -1;
  };
  const int shape = int(ErrorCode::shape), range = int(ErrorCode::range);
  EXPECT_EQ(code_of([] { TensorDataset(Floats(11), Labels{0, 1, 2}, {4}, 3); }), shape);
  EXPECT_EQ(code_of([] { TensorDataset(Floats(12), Labels{0, 1, 3}, {4}, 3); }), range);
  const std::vector<std::uint8_t> truncated = {0, 0, 8, 1, 0, 0, 0, 5, 1};
  EXPECT_EQ(code_of([&] { parse_idx(truncated, "t"); }), shape);
  const std::vector<std::uint8_t> magic = {1, 0, 8, 1, 0, 0, 0, 1, 1};
  EXPECT_EQ(code_of([&] { parse_idx(magic, "m"); }), range);
}

}  // namespace
}  // namespace simdnorm::nn
