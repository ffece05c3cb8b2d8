// Dispatch: SIMDNORM_ISA forces the ISA the kernels run on (ctest runs this suite once per value,
// tests/CMakeLists.txt), an unusable value keeps the default (the best available), and set_isa
// rejects unknown names, listing the available ones.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/isa_list.hpp"
#include "isa_scope.hpp"
#include "simdnorm/simdnorm.hpp"

namespace simdnorm_test {
namespace {

// Recorded during static initialization, before any test can call set_isa: the choice the
// dispatcher made from the environment alone.
const std::string kStartupIsa(simdnorm::active_isa());

bool available(std::string_view isa) {
  const auto names = simdnorm::available_isas();
  return std::find(names.begin(), names.end(), isa) != names.end();
}

TEST(Isa, EnvironmentChoosesTheIsa) {
  const auto names = simdnorm::available_isas();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.back(), "scalar") << "the scalar reference is always available, last";
  const char* forced = std::getenv("SIMDNORM_ISA");
  if (forced == nullptr || *forced == '\0') {
    EXPECT_EQ(kStartupIsa, names.front()) << "without SIMDNORM_ISA the best ISA is chosen";
    return;
  }
  if (available(forced)) {
    EXPECT_EQ(kStartupIsa, forced);
    return;
  }
  EXPECT_EQ(kStartupIsa, names.front()) << "an unavailable SIMDNORM_ISA keeps the default";
  GTEST_SKIP() << "SIMDNORM_ISA=" << forced << " is not available on this CPU/build; checked "
               << "that the default (" << names.front() << ") was kept";
}

// available_isas() follows src/arch/isa_list.hpp: its rows in order, best first, then "scalar".
TEST(Isa, AvailableIsasFollowTheList) {
  const auto names = simdnorm::available_isas();
  const auto* row = std::begin(simdnorm::arch::kIsaNames);
  for (std::string_view name : names) {
    row = std::find(row, std::end(simdnorm::arch::kIsaNames), name);
    ASSERT_NE(row, std::end(simdnorm::arch::kIsaNames))
        << name << " is not a row of the list, or out of order";
  }
}

// The name is the kernel table that runs: a forward under the dispatcher's startup choice is
// bit-identical to one after explicitly selecting that name.
TEST(Isa, ActiveNameIsTheKernelThatRuns) {
  IsaScope restore;
  simdnorm::set_isa(kStartupIsa);
  const simdnorm::Shape s = simdnorm::Shape::nchw(3, 5, 7, 9);
  std::vector<float> x(s.numel()), a(s.numel()), b(s.numel()), m(5), is(5);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(std::sin(double(i)) * 3 + 0.1 * i);
  simdnorm::forward_training(x, s, {}, a, m, is);
  for (const std::string& isa : all_isas()) {
    simdnorm::set_isa(isa);
    EXPECT_EQ(simdnorm::active_isa(), isa);
  }
  simdnorm::set_isa(kStartupIsa);
  simdnorm::forward_training(x, s, {}, b, m, is);
  EXPECT_EQ(a, b);
}

TEST(Isa, UnknownNameThrowsListingTheAvailableOnes) {
  IsaScope restore;
  const std::string before(simdnorm::active_isa());
  try {
    simdnorm::set_isa("bogus");
    ADD_FAILURE() << "set_isa(\"bogus\") did not throw";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("set_isa"), std::string::npos) << message;
    EXPECT_NE(message.find("isa"), std::string::npos) << message;
    EXPECT_NE(message.find("\"bogus\""), std::string::npos) << message;
    for (std::string_view name : simdnorm::available_isas())
      EXPECT_NE(message.find(name), std::string::npos) << "should list " << name << ": " << message;
  }
  EXPECT_EQ(simdnorm::active_isa(), before) << "a rejected set_isa keeps the current ISA";
}

// Every listed ISA this build or CPU cannot run is rejected like an unknown one (x86: neon;
// aarch64: avx2).
TEST(Isa, UnavailableIsaIsRejected) {
  IsaScope restore;
  for (const char* isa : simdnorm::arch::kIsaNames) {
    if (available(isa)) continue;
    EXPECT_THROW(simdnorm::set_isa(isa), std::invalid_argument) << isa;
  }
}

}  // namespace
}  // namespace simdnorm_test
