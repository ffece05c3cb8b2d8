#pragma once
// A kernel family: a struct of entry points (KernelTable, nn::kernels::MatmulKernels, …) with one
// instance per ISA. KernelFamily makes the instance of every ISA this build compiles, once, and
// hands out the one for the core's choice (set_isa, SIMDNORM_ISA), so one switch moves every
// family together and a call pays an atomic load, not a string compare.
//
// `make` is a lambda template, []<arch::Isa I> { return family_table<I>(); }. family_table<I> is
// defined by the family's Arch-templated header and explicitly instantiated in each per-ISA file;
// a per-ISA file that lacks it leaves an undefined reference to family_table<I>, so the program
// fails to link: a missing table is a build error, never a silent fallback to scalar.

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

#include "arch/built_isas.hpp"
#include "core/dispatch.hpp"

namespace simdnorm::detail {

template <class Table>
class KernelFamily {
 public:
  template <class Make>
  explicit KernelFamily(Make make)
      : tables_(make_all(make, std::make_index_sequence<arch::kIsaCount>{})) {}

  const Table& active() const { return tables_[std::size_t(active_isa_id())]; }

  // The table for `isa` if this build has it and this CPU runs it, else nullptr.
  const Table* find(std::string_view isa) const {
    const auto available = available_isa(isa);
    return available ? &tables_[std::size_t(*available)] : nullptr;
  }

 private:
  // Entries of ISAs this build does not compile or this CPU cannot run stay empty: dispatch never
  // selects them, and making a table runs code built with its ISA's flags.
  template <class Make, std::size_t... I>
  static std::array<Table, arch::kIsaCount> make_all(Make& make,
                                                     std::index_sequence<I...> /*isas*/) {
    return {make_one<arch::Isa(I)>(make)...};
  }

  template <arch::Isa I, class Make>
  static Table make_one(Make& make) {
    if constexpr (arch::built(I)) {
      if (is_available(I)) return make.template operator()<I>();
    }
    return Table{};
  }

  std::array<Table, arch::kIsaCount> tables_;
};

}  // namespace simdnorm::detail
