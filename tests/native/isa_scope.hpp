#pragma once
// Runs code under each ISA this CPU has and restores the ISA that was active before, so tests that
// switch ISAs cannot leak their choice into later tests (the SIMDNORM_ISA test depends on that).

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "arch/isa_list.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm_test {

class IsaScope {
 public:
  IsaScope() : saved_(simdnorm::active_isa()) {}
  ~IsaScope() { simdnorm::set_isa(saved_); }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;

 private:
  std::string saved_;
};

// The ISAs the tests run the kernels on: every one this CPU has, or those listed in
// SIMDNORM_TEST_ISAS ("avx2 sse2") that it has, or if it has none of them the active one. ctest's
// per-ISA entries (tests/CMakeLists.txt) list their own, so that a kernel test runs each ISA once
// per suite rather than once per entry; scripts/test-isa-cpus.sh lists each qemu CPU model's own,
// as a lower ISA's kernels run on their own, smaller model. A name that is not a row of
// src/arch/isa_list.hpp throws: a typo must not silently test less. Copies of the names:
// available_isas() is stable, but a copy keeps loops obviously safe.
inline std::vector<std::string> all_isas() {
  std::vector<std::string> names;
  for (std::string_view n : simdnorm::available_isas()) names.emplace_back(n);
  const char* env = std::getenv("SIMDNORM_TEST_ISAS");
  if (!env || !*env) return names;
  std::vector<std::string> listed;
  std::istringstream in(env);
  for (std::string word; in >> word;) {
    if (std::find(std::begin(simdnorm::arch::kIsaNames), std::end(simdnorm::arch::kIsaNames),
                  word) == std::end(simdnorm::arch::kIsaNames))
      throw std::invalid_argument(
          "SIMDNORM_TEST_ISAS: expected names of src/arch/isa_list.hpp, got \"" + word + "\"");
    if (std::find(names.begin(), names.end(), word) != names.end()) listed.push_back(word);
  }
  if (listed.empty()) listed.emplace_back(simdnorm::active_isa());
  return listed;
}

// A GoogleTest parameter name for an ISA ("wasm-simd128" → "wasm_simd128": names allow no '-').
// For INSTANTIATE_TEST_SUITE_P(…, ValuesIn(all_isas()), isa_test_name).
template <class ParamInfo>
std::string isa_test_name(const ParamInfo& info) {
  std::string name = info.param;
  for (char& ch : name)
    if (ch == '-') ch = '_';
  return name;
}

}  // namespace simdnorm_test
