#pragma once
// Internal: the kernel table in use, and lookup of every compiled table (tests, benchmarks).

#include <span>
#include <string_view>

#include "kernels/kernel_table.hpp"

namespace simdnorm::detail {

const kernels::KernelTable& active_kernels();

// The table for `isa` if this build has it and this CPU runs it, else nullptr.
const kernels::KernelTable* kernels_for(std::string_view isa);

}  // namespace simdnorm::detail
