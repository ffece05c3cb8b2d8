#pragma once
// The three properties the fuzzer checks. Each aborts (so libFuzzer keeps the input) with a message
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

// (c) The BN variants equal plain BN where they must (variant_agreement.cpp): add + ReLU with
// z = 0, ghost batches of k = N, renorm with r = 1 and d = 0.
void check_variant_agreement(const FuzzCase& fc);

}  // namespace simdnorm::fuzz
