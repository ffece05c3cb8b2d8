// libFuzzer entry point: the first byte picks the property, the rest describes the case.
// Build and run: scripts/test-fuzz.sh (clang-14 -fsanitize=fuzzer,address,undefined).

#include <cstddef>
#include <cstdint>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  // One input in eight checks argument validation, one the BN variants; the rest check
  // numerics across ISAs.
  const int property = in.ConsumeIntegralInRange(0, 7);
  if (property == 0) {
    simdnorm::fuzz::check_invalid_arguments(in);
  } else if (property == 1) {
    simdnorm::fuzz::check_variant_agreement(simdnorm::fuzz::decode_case(in));
  } else {
    simdnorm::fuzz::check_isa_agreement(simdnorm::fuzz::decode_case(in));
  }
  return 0;
}
