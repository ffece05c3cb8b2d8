#pragma once
// Internal: the data cache sizes one core of this CPU can use, read once (src/core/cache_sizes.cpp
// says from where, and what is assumed where the CPU does not say).

#include <cstddef>

namespace simdnorm::detail {

struct CacheSizes {
  std::size_t l1d, l2, l3;  // bytes; l3: its core complex's L3 (AMD), the socket's (Intel)
  const char* source;       // how they were found: "cpuid 0x8000001D", "sysconf", "assumed", …
  // The L3 is the core complex's own and feeds a core at well above memory's speed (AMD's CCX).
  // false where it spans the socket (Intel): beyond its L2 a core's stores cost about what
  // memory's do.
  bool l3_local = true;
};

const CacheSizes& cache_sizes();

}  // namespace simdnorm::detail
