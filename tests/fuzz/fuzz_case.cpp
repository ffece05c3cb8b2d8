#include "fuzz_case.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>

namespace simdnorm::fuzz {
namespace {

using limits = std::numeric_limits<float>;

// splitmix64: fills what the input bytes do not cover, reproducibly from a decoded seed.
struct Generator {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double unit() { return double(next() >> 11) * 0x1p-53; }  // [0, 1)
  std::size_t below(std::size_t n) { return std::size_t(next() % n); }
};

// The values batch normalization must survive: IEEE specials, subnormals, the float range's
// edges, and magnitudes around the kernels' float-accumulation limits (2^56, see error_bounds).
constexpr float kSpecials[] = {limits::quiet_NaN(),
                               -limits::quiet_NaN(),
                               limits::infinity(),
                               -limits::infinity(),
                               0.f,
                               -0.f,
                               limits::min(),
                               -limits::min(),
                               limits::denorm_min(),
                               -limits::denorm_min(),
                               1e-40f,
                               limits::max(),
                               -limits::max(),
                               1e30f,
                               -1e30f,
                               0x1p56f,
                               -0x1p56f,
                               1e17f,
                               1e-30f,
                               1.f,
                               -1.f};

enum class Style : std::uint8_t {
  Plain,      // offset + scale·uniform(−1, 1): ordinary activations, |mean| ≫ std included
  Sprinkled,  // Plain with special values at a decoded rate
  RawBits,    // arbitrary float bit patterns (input bytes first, then the generator)
  Constant,   // one value everywhere: variance exactly 0
  Integers,   // small integers: exact sums, many exact zeros before a ReLU
  Subnormal,  // magnitudes around float's underflow threshold
  kMaxValue = Subnormal,
};

std::vector<float> decode_values(FuzzedDataProvider& in, Generator& gen, std::size_t count) {
  std::vector<float> v(count);
  const auto style = in.ConsumeEnum<Style>();
  const double scale = std::ldexp(1.0, in.ConsumeIntegralInRange(-30, 30));
  const double offset = in.ConsumeBool() ? 0.0
                                         : scale * std::ldexp(in.ConsumeBool() ? 1.0 : -1.0,
                                                              in.ConsumeIntegralInRange(0, 24));
  const auto plain = [&] { return float(offset + scale * (2 * gen.unit() - 1)); };
  switch (style) {
    case Style::Plain:
      for (float& f : v) f = plain();
      break;
    case Style::Sprinkled: {
      const std::size_t one_in = in.ConsumeIntegralInRange<std::size_t>(1, 64);
      for (float& f : v)
        f = gen.below(one_in) == 0 ? kSpecials[gen.below(std::size(kSpecials))] : plain();
      break;
    }
    case Style::RawBits:
      for (float& f : v)
        f = std::bit_cast<float>(in.remaining_bytes() >= 4 ? in.ConsumeIntegral<std::uint32_t>()
                                                           : std::uint32_t(gen.next()));
      break;
    case Style::Constant: {
      const float c = in.ConsumeBool() ? in.PickValueInArray(kSpecials) : plain();
      std::fill(v.begin(), v.end(), c);
      break;
    }
    case Style::Integers:
      for (float& f : v) f = float(int(gen.below(7)) - 3);
      break;
    case Style::Subnormal:
      for (float& f : v) f = float(std::ldexp(2 * gen.unit() - 1, -126 - int(gen.below(24))));
      break;
  }
  return v;
}

Shape decode_shape(FuzzedDataProvider& in) {
  Shape s;
  s.layout = in.ConsumeBool() ? Layout::ChannelsLast : Layout::ChannelsFirst;
  // Channel counts around vector widths (4, 8, 16 lanes; blocks of 4 vectors) and large C.
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0:
    case 1:
    case 2:
      s.c = in.ConsumeIntegralInRange<std::size_t>(1, 9);
      break;
    case 3:
    case 4:
      s.c = 16 * in.ConsumeIntegralInRange<std::size_t>(1, 8) + in.ConsumeIntegralInRange(0, 2) - 1;
      break;
    case 5:
    case 6:
      s.c = in.ConsumeIntegralInRange<std::size_t>(1, 300);
      break;
    default:
      s.c = in.ConsumeIntegralInRange<std::size_t>(1000, 4096);
      break;
  }
  s.n = in.ConsumeIntegralInRange<std::size_t>(0, 6);
  // S = 1 (NC), short runs, long runs, and runs crossing the kernels' 2048-float block.
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
      s.s = 1;
      break;
    case 1:
      s.s = in.ConsumeIntegralInRange<std::size_t>(1, 40);
      break;
    case 2:
      s.s = in.ConsumeIntegralInRange<std::size_t>(1, 600);
      break;
    default:
      s.s = in.ConsumeIntegralInRange<std::size_t>(2040, 2060);
      break;
  }
  // Shrink S, then N, until the tensor fits kMaxElements (C alone always does: C ≤ 4096).
  if (s.numel() > kMaxElements) s.s = std::max<std::size_t>(1, kMaxElements / (s.n * s.c));
  if (s.numel() > kMaxElements) s.n = std::max<std::size_t>(1, kMaxElements / (s.c * s.s));
  return s;
}

float decode_eps(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0:
      return 1e-5f;
    case 1:
      return 1e-3f;
    case 2:
      return 1.f;
    case 3:
      return limits::denorm_min();
    case 4:
      return 1e-30f;
    case 5:
      return 1e10f;
    case 6:
      return limits::max();
    default: {
      const float e = std::fabs(std::bit_cast<float>(in.ConsumeIntegral<std::uint32_t>()));
      return std::isfinite(e) && e > 0.f ? e : 1e-5f;
    }
  }
}

}  // namespace

const char* name(Op op) {
  switch (op) {
    case Op::BatchMoments:
      return "batch_moments";
    case Op::ForwardTraining:
      return "forward_training";
    case Op::ForwardInference:
      return "forward_inference";
    case Op::BackwardTraining:
      return "backward_training";
    case Op::BackwardInference:
      return "backward_inference";
  }
  return "?";
}

FuzzCase decode_case(FuzzedDataProvider& in) {
  FuzzCase fc;
  fc.op = Op(in.ConsumeIntegralInRange(0, 4));
  fc.shape = decode_shape(in);
  fc.affine = in.ConsumeBool();
  fc.relu = in.ConsumeBool();
  fc.alias = Alias(in.ConsumeIntegralInRange(0, 2));
  fc.misalign = in.ConsumeIntegralInRange<std::size_t>(0, 3);
  fc.eps = decode_eps(in);
  fc.stats_from_forward = in.ConsumeBool();
  fc.want_batch_var = in.ConsumeBool();
  fc.want_dx = !in.ConsumeBool() || in.ConsumeBool();  // dx is what most callers want
  fc.want_dweight = in.ConsumeBool();
  fc.want_dbias = in.ConsumeBool();
  Generator gen{in.ConsumeIntegral<std::uint64_t>()};

  const std::size_t numel = fc.shape.numel(), c = fc.shape.c;
  fc.x = decode_values(in, gen, numel);
  if (fc.op == Op::BackwardTraining || fc.op == Op::BackwardInference)
    fc.dy = decode_values(in, gen, numel);
  if (fc.affine) {
    fc.weight = decode_values(in, gen, c);
    fc.bias = decode_values(in, gen, c);
  }
  fc.stat_mean = decode_values(in, gen, c);
  fc.stat_var_or_invstd = decode_values(in, gen, c);
  // Variances (and inverse standard deviations) are non-negative in real use; keep a few
  // negative ones so the NaN they produce is exercised too.
  if (!in.ConsumeBool() || in.ConsumeBool())
    for (float& v : fc.stat_var_or_invstd) v = std::fabs(v);
  return fc;
}

std::string FuzzCase::describe() const {
  char eps_text[32];
  std::snprintf(eps_text, sizeof eps_text, "%.9g", double(eps));
  std::string s = std::string(name(op)) + " shape " + to_string(shape) + (affine ? " affine" : "") +
                  (relu ? " relu" : "") + " eps " + eps_text + " misalign " +
                  std::to_string(misalign);
  if (alias == Alias::OutputIsX) s += " in-place (output = x)";
  const bool backward = op == Op::BackwardTraining || op == Op::BackwardInference;
  if (alias == Alias::OutputIsDy && backward) s += " in-place (dx = dy)";
  return s;
}

}  // namespace simdnorm::fuzz
