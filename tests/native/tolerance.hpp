#pragma once
// How close a float32 result must be to its float64 truth, and the check that reports misses.
//
// Bound: |actual − expected| ≤ kRelTol · magnitude + kAbsFloor, where magnitude is the sum of
// |terms| that make up the value (float64_batch_norm.hpp). Where kRelTol comes from:
//   * float32 unit roundoff u = 2⁻²⁴ ≈ 6.0e-8.
//   * The kernels sum in float over blocks of at most kMaxBlockFloats = 2048 values (kernels/
//     tuning.hpp; fewer on CPUs with a small L1d) split across
//     ≥ 4 lane accumulators (≤ 512 terms each) and add the blocks in double. Higham's bound for a
//     float sum of n terms is n·u·Σ|terms| (3.1e-5 for n = 512) in the worst case and ~√n·u
//     (1.4e-6) for rounding errors of random sign, which is what fixed-seed random data gives.
//   * One normalization adds a few roundings (x − mean, ·scale, +β, 1/sqrt): ≤ 4u.
//   kRelTol = 1e-5 is ~7× the realistic error and still 1000× below the smallest formula,
//   indexing or tail bug (those are O(1e-2) relative or worse).
// kAbsFloor absorbs values that are exactly 0 in float64 but carry subnormal noise in float32.

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <functional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace simdnorm_test {

inline constexpr double kRelTol = 1e-5;
inline constexpr double kAbsFloor = 1e-30;

// Describes index k for failure messages (e.g. "n=1 c=3 i=7").
using IndexDescriber = std::function<std::string(std::size_t)>;

inline bool within(double actual, double expected, double magnitude, double rel_tol) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::abs(actual - expected) <= rel_tol * magnitude + kAbsFloor;
}

// Every actual[k] within rel_tol·magnitude[k] of expected[k]; reports the first few misses with
// index, expected, actual and the allowed error, plus the total count.
inline ::testing::AssertionResult all_close(
    std::string_view what, std::span<const float> actual, const std::vector<double>& expected,
    const std::vector<double>& magnitude, double rel_tol = kRelTol,
    const IndexDescriber& describe = [](std::size_t k) { return "index " + std::to_string(k); }) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure()
           << what << ": size " << actual.size() << ", expected " << expected.size();
  std::ostringstream out;
  out.precision(9);
  std::size_t misses = 0;
  for (std::size_t k = 0; k < actual.size(); ++k) {
    if (within(actual[k], expected[k], magnitude[k], rel_tol)) continue;
    if (misses++ < 5)
      out << "\n  " << what << " at " << describe(k) << ": expected " << expected[k] << ", actual "
          << actual[k] << ", |error| " << std::abs(double(actual[k]) - expected[k]) << " > allowed "
          << rel_tol * magnitude[k] + kAbsFloor;
  }
  if (misses == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << misses << " of " << actual.size() << " values of " << what
                                       << " out of tolerance:" << out.str();
}

// Same, against a float result computed another way (e.g. the scalar reference).
inline ::testing::AssertionResult all_close(
    std::string_view what, std::span<const float> actual, std::span<const float> expected,
    const std::vector<double>& magnitude, double rel_tol = kRelTol,
    const IndexDescriber& describe = [](std::size_t k) { return "index " + std::to_string(k); }) {
  return all_close(what, actual, std::vector<double>(expected.begin(), expected.end()), magnitude,
                   rel_tol, describe);
}

}  // namespace simdnorm_test
