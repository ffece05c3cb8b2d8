#pragma once
// One fuzz case decoded from libFuzzer's bytes: which operation, the shape and layout, the
// options, and every input tensor. Bytes choose the structure and the value "style" of each
// tensor (plain data, data with special values sprinkled in, raw float bits, constants,
// small integers, subnormals); a seeded generator fills tensors longer than the input itself, so
// a 40-byte input can still describe C = 4000 channels.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "simdnorm/shape.hpp"

namespace simdnorm::fuzz {

enum class Op : std::uint8_t {
  BatchMoments,
  ForwardTraining,
  ForwardInference,
  BackwardTraining,
  BackwardInference,
};
const char* name(Op op);

// Where an output may alias an input (in-place calls).
enum class Alias : std::uint8_t {
  None,
  OutputIsX,   // y = x, or dx = x in backward
  OutputIsDy,  // dx = dy in backward (forward: same as None)
};

struct FuzzCase {
  Op op = Op::ForwardTraining;
  Shape shape;
  bool affine = true;
  bool relu = false;
  Alias alias = Alias::None;
  std::size_t misalign = 0;  // floats every buffer is offset by from its allocation
  float eps = 1e-5f;
  std::vector<float> x, dy;                          // N·C·S each (dy only for backward)
  std::vector<float> weight, bias;                   // C each, empty unless affine
  std::vector<float> stat_mean, stat_var_or_invstd;  // running stats, or backward's saved ones
  // Backward training: true to take save_mean/save_invstd from the scalar forward_training of x
  // (what real callers pass), false to use the decoded stat_* arrays as they are.
  bool stats_from_forward = true;
  // Optional outputs to request (the kernels take other paths without them): forward_training's
  // batch_var; backward's dx, dweight, dbias.
  bool want_batch_var = true, want_dx = true, want_dweight = true, want_dbias = true;

  std::string describe() const;  // for failure messages
};

// Largest tensor a case may describe: keeps executions fast (the 10 M-execution run) while still
// crossing the kernels' 2048-float blocks in both layouts.
inline constexpr std::size_t kMaxElements = 1 << 12;

FuzzCase decode_case(FuzzedDataProvider& in);

}  // namespace simdnorm::fuzz
