// The fingerprint kernel (kernels/fingerprint.hpp) of every ISA this CPU runs, against its
// definition computed here in 64-bit integers: every length around the vector widths and the
// two-vector step, every start offset in a cache line; a change of any single float is seen, and
// so are the changes a caller may make to a whole tensor (new data, negation, scaling by powers of
// two, abs, ReLU, zeroing, adding 1, a shift, reversal) on sizes up to 2²⁰ floats; the value is
// the sum of the values of any split into ranges (what lets pieces and threads share the work),
// also through the core's pieces on several threads.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/dispatch.hpp"
#include "core/partitioned_kernels.hpp"
#include "isa_scope.hpp"
#include "thread_count.hpp"

namespace simdnorm_test {
namespace {

std::uint32_t definition(const float* x, std::size_t count) {
  std::uint64_t f = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    const std::uint64_t mixed = bits ^ (bits >> 23) ^ (bits >> 31);
    const std::uint64_t address = reinterpret_cast<std::uintptr_t>(x + i) / sizeof(float);
    f += mixed * ((2 * address + 1) & 0xffffffffu);
  }
  return std::uint32_t(f);
}

std::vector<float> random_floats(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 3.f);
  std::vector<float> v(n);
  for (float& f : v) f = d(rng);
  return v;
}

class Fingerprint : public ::testing::TestWithParam<std::string> {
 protected:
  std::uint32_t (*kernel() const)(const float*, std::size_t) {
    const simdnorm::kernels::KernelTable* t = simdnorm::detail::kernels_for(GetParam());
    return t ? t->fingerprint : nullptr;
  }
};

TEST_P(Fingerprint, MatchesTheDefinition) {
  const auto f = kernel();
  ASSERT_NE(f, nullptr);
  const std::vector<float> x = random_floats(300, 1);
  for (std::size_t offset = 0; offset < 16; ++offset)
    for (std::size_t count = 0; count + offset <= x.size(); count += count < 80 ? 1 : 37)
      ASSERT_EQ(f(x.data() + offset, count), definition(x.data() + offset, count))
          << "offset " << offset << ", " << count << " floats";
}

TEST_P(Fingerprint, SeesEveryChangeOfOneFloat) {
  const auto f = kernel();
  ASSERT_NE(f, nullptr);
  std::vector<float> x = random_floats(203, 2);
  const std::uint32_t before = f(x.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float kept = x[i];
    for (const float changed : {-kept, kept + 1.f, 0.f, std::nextafter(kept, 1e30f)}) {
      if (std::memcmp(&changed, &kept, sizeof kept) == 0) continue;
      x[i] = changed;
      EXPECT_NE(f(x.data(), x.size()), before) << "x[" << i << "] = " << changed;
    }
    x[i] = kept;
  }
  // Two floats swapped: the sum of the bits stays, the weights tell them apart.
  std::swap(x[3], x[150]);
  EXPECT_NE(f(x.data(), x.size()), before);
}

// Whole-tensor changes: new data, and changes whose bit differences are alike in every float,
// which a weighted sum of the raw bits mod 2³² would miss on every size with enough factors of
// two (negation, scaling by powers of two). Sizes of 2^k floats, ±1, at three offsets.
TEST_P(Fingerprint, SeesInPlaceChangesOfWholeTensors) {
  const auto f = kernel();
  ASSERT_NE(f, nullptr);
  const std::vector<std::pair<const char*, std::function<float(float)>>> changes = {
      {"-x", [](float v) { return -v; }},
      {"2x", [](float v) { return 2.f * v; }},
      {"x/2", [](float v) { return 0.5f * v; }},
      {"4x", [](float v) { return 4.f * v; }},
      {"|x|", [](float v) { return std::fabs(v); }},
      {"relu(x)", [](float v) { return v > 0.f ? v : 0.f; }},
      {"0", [](float) { return 0.f; }},
      {"x + 1", [](float v) { return v + 1.f; }},
      {"new data", [](float v) { return std::sin(3.f * v + 1.f); }},
  };
  std::vector<float> storage = random_floats((std::size_t(1) << 20) + 4096, 4);
  for (std::size_t count : {2, 3, 16, 255, 256, 257, 1024, 4096, 65536, 1 << 20}) {
    for (std::size_t offset : {std::size_t(0), std::size_t(1), std::size_t(1024)}) {
      float* const x = storage.data() + offset;
      const std::uint32_t before = f(x, count);
      const std::vector<float> kept(x, x + count);
      for (const auto& [name, change] : changes) {
        std::transform(kept.begin(), kept.end(), x, change);
        if (std::memcmp(x, kept.data(), count * sizeof(float)) == 0) continue;  // no change here
        EXPECT_NE(f(x, count), before) << name << " on " << count << " floats, offset " << offset;
      }
      std::copy(kept.begin(), kept.end(), x);
      std::reverse(x, x + count);
      EXPECT_NE(f(x, count), before) << "reversed " << count << " floats";
      std::copy(kept.begin(), kept.end(), x);
      std::rotate(x, x + 1, x + count);
      EXPECT_NE(f(x, count), before) << "shifted " << count << " floats";
      std::copy(kept.begin(), kept.end(), x);
      ASSERT_EQ(f(x, count), before);
    }
  }
}

TEST_P(Fingerprint, AnySplitSumsToTheWhole) {
  const auto f = kernel();
  ASSERT_NE(f, nullptr);
  const std::vector<float> x = random_floats(1000, 3);
  const std::uint32_t whole = f(x.data(), x.size());
  for (const std::size_t cut : {1, 7, 16, 33, 64, 500, 999}) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < x.size(); i += cut)
      sum += f(x.data() + i, std::min(cut, x.size() - i));
    EXPECT_EQ(sum, whole) << "ranges of " << cut;
  }
}

// The core's fingerprint over its pieces (64 Ki floats each) on 1…8 threads.
TEST(FingerprintOfPieces, MatchesTheDefinitionOnAnyThreadCount) {
  const std::vector<float> x = random_floats(300001, 5);
  for (const std::size_t threads : {1, 2, 3, 8}) {
    const ThreadCount scope(threads);
    EXPECT_EQ(simdnorm::detail::active_partitioned_kernels().fingerprint(x.data() + 1, 300000),
              definition(x.data() + 1, 300000))
        << threads << " threads";
  }
}

INSTANTIATE_TEST_SUITE_P(EveryIsa, Fingerprint, ::testing::ValuesIn(all_isas()),
                         isa_test_name<::testing::TestParamInfo<std::string>>);

}  // namespace
}  // namespace simdnorm_test
