#pragma once
// Internal: the one run-time ISA choice, which every kernel family follows (kernel_family.hpp),
// and the core's own kernel tables (tests, benchmarks).

#include <optional>
#include <string_view>

#include "arch/isa_list.hpp"
#include "kernels/kernel_table.hpp"

namespace simdnorm::detail {

// The ISA every family's active() table is for: one atomic load.
arch::Isa active_isa_id();

// `isa` if this build has it and this CPU runs it.
std::optional<arch::Isa> available_isa(std::string_view isa);
bool is_available(arch::Isa isa);

const kernels::KernelTable& active_kernels();

// The table for `isa` if this build has it and this CPU runs it, else nullptr.
const kernels::KernelTable* kernels_for(std::string_view isa);

}  // namespace simdnorm::detail
