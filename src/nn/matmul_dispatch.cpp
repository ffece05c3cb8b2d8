// Which matmul kernels run: the ones for the ISA the batch-norm core has chosen (one switch,
// SIMDNORM_ISA or simdnorm::set_isa, moves the whole trainer between instruction sets).

#include "core/kernel_family.hpp"
#include "nn/matmul_kernels.hpp"

namespace simdnorm::nn::kernels {
namespace {

const detail::KernelFamily<MatmulKernels>& matmul_family() {
  static const detail::KernelFamily<MatmulKernels> family(
      []<arch::Isa I> { return matmul_table<I>(); });
  return family;
}

}  // namespace

const MatmulKernels* matmul_kernels_for(std::string_view isa) {
  return matmul_family().find(isa);
}

const MatmulKernels& active_matmul_kernels() {
  return matmul_family().active();
}

}  // namespace simdnorm::nn::kernels
