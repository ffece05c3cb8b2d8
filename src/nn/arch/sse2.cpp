// The layer engine's kernels for sse2: the only file of simdnorm_nn built with its flags (the sse2
// row of src/arch/isa_list.hpp, which also names its xsimd arch).
#include "nn/kernels/activation.hpp"
#include "nn/kernels/matmul.hpp"
#include "nn/kernels/sgd.hpp"

namespace simdnorm::nn::kernels {
template ActivationKernels activation_table<arch::Isa::sse2>();
template MatmulKernels matmul_table<arch::Isa::sse2>();
}  // namespace simdnorm::nn::kernels

namespace simdnorm::nn::optim {
template SgdKernels sgd_table<arch::Isa::sse2>();
}  // namespace simdnorm::nn::optim
