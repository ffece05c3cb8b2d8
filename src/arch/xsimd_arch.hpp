#pragma once
// The xsimd Arch of each listed ISA (src/arch/isa_list.hpp), for the kernel families' table
// templates. Included only where kernels are instantiated: the per-ISA files.

#include <xsimd/xsimd.hpp>

#include "arch/isa_list.hpp"

namespace simdnorm::arch {

template <Isa>
struct XsimdArch;

#define SIMDNORM_XSIMD_ARCH(id, name, processor, arch, ...) \
  template <>                                               \
  struct XsimdArch<Isa::id> {                               \
    using type = arch;                                      \
  };
SIMDNORM_ISAS(SIMDNORM_XSIMD_ARCH)
#undef SIMDNORM_XSIMD_ARCH

template <Isa I>
using xsimd_arch = typename XsimdArch<I>::type;

}  // namespace simdnorm::arch
