#pragma once
// The two properties the fuzzer checks. Each aborts (so libFuzzer keeps the input) with a message
// naming the operation, ISA, shape, output, index, expected and actual values.

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_case.hpp"

namespace simdnorm::fuzz {

// (a) Every ISA in simdnorm::available_isas() agrees with the "scalar" reference within the bounds
// of error_bounds.hpp, in place or not, on unaligned buffers; N·S = 0 writes nothing.
void check_isa_agreement(const FuzzCase& fc);

// (b) A bad argument combination decoded from the input throws std::invalid_argument (message
// "simdnorm::<function>: <argument>: expected …, got …") and writes no output.
void check_invalid_arguments(FuzzedDataProvider& in);

}  // namespace simdnorm::fuzz
