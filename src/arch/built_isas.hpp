#pragma once
// Which listed ISAs this build compiles. CMake decides (the processor column, SIMDNORM_SIMD) and
// passes SIMDNORM_ISA_BUILT_<id>=0|1 to the targets that dispatch or list ISAs
// (simdnorm_isa_files / simdnorm_isa_definitions in cmake/isa_list.cmake); a target without them
// fails to compile here rather than guessing.

#include <cstddef>

#include "arch/isa_list.hpp"

namespace simdnorm::arch {

inline constexpr bool kBuilt[kIsaCount] = {
#define SIMDNORM_ISA_BUILT(id, ...) SIMDNORM_ISA_BUILT_##id != 0,
    SIMDNORM_ISAS(SIMDNORM_ISA_BUILT)
#undef SIMDNORM_ISA_BUILT
        true,  // scalar
};

constexpr bool built(Isa isa) {
  return kBuilt[std::size_t(isa)];
}

}  // namespace simdnorm::arch
