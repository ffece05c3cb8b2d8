// The layer engine's kernels for neon: the only file of simdnorm_nn built with its flags (the neon
// row of src/arch/isa_list.hpp, which also names its xsimd arch).
#include "nn/kernels/matmul.hpp"
#include "nn/kernels/sgd.hpp"

namespace simdnorm::nn::kernels {
template MatmulKernels matmul_table<arch::Isa::neon>();
}  // namespace simdnorm::nn::kernels

namespace simdnorm::nn::optim {
template SgdKernels sgd_table<arch::Isa::neon>();
}  // namespace simdnorm::nn::optim
