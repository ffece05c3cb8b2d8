// The fingerprint kernel (kernels/fingerprint.hpp) of every ISA this CPU runs, against its
// definition computed here in 64-bit integers: every length around the vector widths and the
// two-vector step, every start offset in a cache line; a change of any single float is seen; and
// the value is the sum of the values of any split into ranges (what lets pieces and threads share
// the work).

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/dispatch.hpp"
#include "isa_scope.hpp"

namespace simdnorm_test {
namespace {

std::uint32_t definition(const float* x, std::size_t count) {
  std::uint64_t f = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    const std::uint64_t address = reinterpret_cast<std::uintptr_t>(x + i) / sizeof(float);
    f += std::uint64_t(bits) * ((2 * address + 1) & 0xffffffffu);
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

INSTANTIATE_TEST_SUITE_P(EveryIsa, Fingerprint, ::testing::ValuesIn(all_isas()),
                         isa_test_name<::testing::TestParamInfo<std::string>>);

}  // namespace
}  // namespace simdnorm_test
