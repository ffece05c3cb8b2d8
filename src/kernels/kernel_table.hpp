#pragma once
// The per-ISA kernel entry points. Kernels trust their arguments (validated in src/core) and only
// assert them. No xsimd types here: this header is shared by files built with different flags.

#include <cstddef>

#include "arch/isa_list.hpp"
#include "simdnorm/shape.hpp"

namespace simdnorm::kernels {

// Per-channel normalization constants, C floats each. Exactly one of var/invstd is set: the
// kernel derives invstd = 1/sqrt(var + eps) itself so no caller needs a scratch array.
struct ChannelParams {
  const float* mean = nullptr;
  const float* var = nullptr;
  const float* invstd = nullptr;
  const float* weight = nullptr;  // nullptr: γ = 1
  const float* bias = nullptr;    // nullptr: β = 0
  float eps = 0.f;
  // When the kernel runs on one piece of a call's tensor (src/core/partition.hpp): the values
  // per channel of the whole call, which grad_input's means divide by, and the whole call's
  // N·C·S, which picks streaming stores. 0: the shape's own.
  std::size_t batch_count = 0;
  std::size_t call_numel = 0;
  // The call's pieces run on more than one thread: picks tuning().threaded_streaming_bytes.
  bool threaded = false;
};

struct KernelTable {
  const char* isa;
  // mean[c], var[c] (biased) over the N·S values of channel c, in double: the partition merges
  // pieces' results, and a float mean's rounding (2⁻²⁴·|mean|, 6e-4 at 1e4) would enter the merged
  // variance through the squared differences of the means. sample_stride: floats from a
  // sample's first value to the next sample's; C·S for a whole tensor, more for channels
  // [c0, c0 + C) of every sample of a wider channels-first tensor (core/partition.hpp). Rows of
  // channels (channels-last, NC) are dense.
  void (*moments)(const float* x, const Shape& shape, std::size_t sample_stride, double* mean,
                  double* var);
  // y = (x − mean)·invstd·γ + β, then max(·, 0) if relu; x_copy = x unless x_copy is null (from
  // the same loads: y may alias x, x_copy overlaps neither).
  void (*normalize)(const float* x, const Shape& shape, const ChannelParams& p, bool relu, float* y,
                    float* x_copy);
  // sum_dy[c] = Σ dy', sum_dy_xmu[c] = Σ dy'·(x − mean); dy' masked by relu on the forward output.
  // sample_stride as moments' (dy and x alike).
  void (*grad_sums)(const float* dy, const float* x, const Shape& shape, std::size_t sample_stride,
                    const ChannelParams& p, bool relu, float* sum_dy, float* sum_dy_xmu);
  // dx = γ·invstd·dy' when !batch_stats; with batch stats also minus the mean terms:
  // γ·invstd·(dy' − sum_dy/M − (x − mean)·invstd²·sum_dy_xmu/M), M = p.batch_count or N·S.
  void (*grad_input)(const float* dy, const float* x, const Shape& shape, const ChannelParams& p,
                     bool relu, bool batch_stats, const float* sum_dy, const float* sum_dy_xmu,
                     float* dx);
  // y = max((x − mean)·invstd·γ + β + z, 0) (kernels/add_relu.hpp); x_copy as normalize's.
  void (*normalize_add_relu)(const float* x, const float* z, const Shape& shape,
                             const ChannelParams& p, float* y, float* x_copy);
  // dz = dy where y > 0 else 0, over `count` floats in any layout.
  void (*relu_mask)(const float* dy, const float* y, std::size_t count, float* dz);
};

// The table of one ISA (the family's per-ISA entry for src/core/kernel_family.hpp): defined for
// every listed ISA by make_table.hpp and explicitly instantiated in src/arch/<id>.cpp; the scalar
// reference (double accumulation: the spec) in reference.cpp.
template <arch::Isa I>
KernelTable kernel_table();
template <>
KernelTable kernel_table<arch::Isa::scalar>();

}  // namespace simdnorm::kernels
