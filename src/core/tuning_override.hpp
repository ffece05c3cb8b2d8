#pragma once
// Internal: the tuning derivation (src/core/tuning.cpp) for tests and benchmarks, and an override
// so tests reach the paths other cache sizes would take (streaming stores on small tensors,
// short blocks) on any machine.

#include "core/cache_sizes.hpp"
#include "kernels/tuning.hpp"

namespace simdnorm::detail {

kernels::Tuning derive_tuning(const CacheSizes& c);
// Makes kernels::tuning() return *t until set_tuning(nullptr); t must outlive that. Not for use
// while kernels run on other threads.
void set_tuning(const kernels::Tuning* t);

}  // namespace simdnorm::detail
