// Which dense kernels run: the ones for the ISA the batch-norm core has chosen (one switch,
// SIMDNORM_ISA or simdnorm::set_isa, moves the whole trainer between instruction sets).

#include "core/kernel_family.hpp"
#include "nn/dense_kernels.hpp"

namespace simdnorm::nn::kernels {
namespace {

const detail::KernelFamily<DenseKernels>& dense_family() {
  static const detail::KernelFamily<DenseKernels> family(
      []<arch::Isa I> { return dense_table<I>(); });
  return family;
}

}  // namespace

const DenseKernels* dense_kernels_for(std::string_view isa) {
  return dense_family().find(isa);
}

const DenseKernels& active_dense_kernels() {
  return dense_family().active();
}

}  // namespace simdnorm::nn::kernels
