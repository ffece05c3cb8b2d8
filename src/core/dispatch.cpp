// Run-time ISA selection: the one choice every kernel family follows. The candidates are the rows
// of src/arch/isa_list.hpp that this build compiles, best first, then the scalar reference.
// Built without ISA flags (it must run on every CPU the library claims to support).

#include "core/dispatch.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/cpu_support.hpp"
#include "core/kernel_family.hpp"
#include "core/validate.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm {
namespace detail {
namespace {

// Each row's CPU check, in list order; the reference runs everywhere.
constexpr bool (*kRunsHere[arch::kIsaCount])() = {
#define SIMDNORM_ISA_CHECK(id, name, processor, arch, flags, check, ...) cpu::check,
    SIMDNORM_ISAS(SIMDNORM_ISA_CHECK)
#undef SIMDNORM_ISA_CHECK
        cpu::always,
};

struct Registry {
  std::vector<arch::Isa> isas;  // available: built and runnable here, best first
  std::vector<std::string_view> names;
  std::atomic<arch::Isa> active;

  Registry() {
    for (std::size_t i = 0; i < arch::kIsaCount; ++i) {
      const auto isa = arch::Isa(i);
      if (!arch::built(isa) || !kRunsHere[i]()) continue;
      isas.push_back(isa);
      names.emplace_back(arch::name(isa));
    }
    active = isas.front();
    if (const char* forced = std::getenv("SIMDNORM_ISA"); forced && *forced) {
      if (const auto isa = find(forced)) {
        active = *isa;
      } else {
        std::fprintf(stderr, "simdnorm: SIMDNORM_ISA=%s is not available here; using %s\n", forced,
                     arch::name(active));
      }
    }
  }

  std::optional<arch::Isa> find(std::string_view name) const {
    for (const arch::Isa isa : isas)
      if (name == arch::name(isa)) return isa;
    return std::nullopt;
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

const KernelFamily<kernels::KernelTable>& core_kernels() {
  static const KernelFamily<kernels::KernelTable> family(
      []<arch::Isa I> { return kernels::kernel_table<I>(); });
  return family;
}

}  // namespace

arch::Isa active_isa_id() {
  return registry().active.load(std::memory_order_relaxed);
}

std::optional<arch::Isa> available_isa(std::string_view isa) {
  return registry().find(isa);
}

bool is_available(arch::Isa isa) {
  const std::vector<arch::Isa>& isas = registry().isas;
  return std::find(isas.begin(), isas.end(), isa) != isas.end();
}

const kernels::KernelTable& active_kernels() {
  return core_kernels().active();
}

const kernels::KernelTable* kernels_for(std::string_view isa) {
  return core_kernels().find(isa);
}

}  // namespace detail

std::string_view active_isa() {
  return arch::name(detail::active_isa_id());
}

std::span<const std::string_view> available_isas() {
  return detail::registry().names;
}

void set_isa(std::string_view isa) {
  detail::Registry& r = detail::registry();
  const auto found = r.find(isa);
  if (!found) {
    std::string have;
    for (std::string_view n : r.names) (have += have.empty() ? "" : ", ") += n;
    // Appended, not "\"" + std::string(isa) + "\"": GCC 12 misreads that as an overlapping
    // memcpy (-Wrestrict false positive).
    std::string given(1, '"');
    given.append(isa).push_back('"');
    detail::fail(ErrorCode::range, "set_isa", "isa", "one of " + have, given);
  }
  r.active = *found;
}

}  // namespace simdnorm
