#pragma once
// Runs code under each ISA this CPU has and restores the ISA that was active before, so tests that
// switch ISAs cannot leak their choice into later tests (the SIMDNORM_ISA test depends on that).

#include <string>
#include <string_view>
#include <vector>

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

// Copies of the names: available_isas() is stable, but a copy keeps loops obviously safe.
inline std::vector<std::string> all_isas() {
  std::vector<std::string> names;
  for (std::string_view n : simdnorm::available_isas()) names.emplace_back(n);
  return names;
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
