// Property (c): the BN variants reduce exactly to plain BN where their definitions say so, under
// every ISA, on any decoded data (NaN, Inf, subnormals, huge values included), unaligned:
//   * the fused add + ReLU with z = 0 is forward_training/backward_training with the fused ReLU
//     (the same float operations, so equal values: ±0 and NaN alike), and dz = dy·[y > 0];
//   * a module with ghost batches of k = N is the plain module;
//   * a module with renorm limits rmax = 1, dmax = 0 (r = 1, d = 0) is the plain module when γ
//     and β are finite (γ·0 is NaN for an infinite γ).
// The scalar reference takes the fused ReLU's mask from its double pre-activation, the add + ReLU
// from the float output: they may differ where the pre-activation underflows, so it is skipped.

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_checks.hpp"
#include "simdnorm/simdnorm.hpp"

namespace simdnorm::fuzz {
namespace {

[[noreturn]] void fail(const FuzzCase& fc, std::string_view isa, const std::string& what) {
  std::fprintf(stderr, "simdnorm fuzz (variants): isa %.*s, %s: %s\n", int(isa.size()), isa.data(),
               fc.describe().c_str(), what.c_str());
  std::abort();
}

// Equal as values: NaN equals NaN, +0 equals −0 (the add of +0 turns −0 into +0).
void expect_same(const FuzzCase& fc, std::string_view isa, const char* name,
                 std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) fail(fc, isa, std::string(name) + ": sizes differ");
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) continue;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s[%zu]: %.9g vs %.9g", name, i, double(a[i]), double(b[i]));
    fail(fc, isa, buf);
  }
}

// Unaligned copy (offset by the case's misalignment) that lives as long as the returned owner.
struct Unaligned {
  std::unique_ptr<float[]> storage;
  std::span<float> span;
  Unaligned(std::span<const float> v, std::size_t misalign)
      : storage(std::make_unique<float[]>(v.size() + misalign)),
        span(storage.get() + misalign, v.size()) {
    std::copy(v.begin(), v.end(), span.begin());
  }
};

void add_relu_is_fused_relu(const FuzzCase& fc, std::string_view isa) {
  const Shape& s = fc.shape;
  const std::size_t n = s.numel();
  const NormParams plain{fc.weight, fc.bias, fc.eps, true},
      fused{fc.weight, fc.bias, fc.eps, false};
  Unaligned x(fc.x, fc.misalign), zero(std::vector<float>(n, 0.f), fc.misalign),
      dy(fc.dy.empty() ? std::vector<float>(n, 1.f) : fc.dy, fc.misalign);
  std::vector<float> y1(n), y2(n), m1(s.c), m2(s.c), i1(s.c), i2(s.c);
  forward_training(x.span, s, plain, y1, m1, i1);
  forward_add_relu_training(x.span, zero.span, s, fused, y2, m2, i2);
  expect_same(fc, isa, "y", y1, y2);
  expect_same(fc, isa, "save_invstd", i1, i2);
  std::vector<float> dx1(n), dx2(n), dz(n), g1(fc.weight.size()), g2(g1.size()), b1(fc.bias.size()),
      b2(b1.size());
  backward_training(dy.span, x.span, s, plain, m1, i1, {dx1, g1, b1});
  backward_add_relu_training(dy.span, y2, x.span, s, fused, m2, i2, {dx2, g2, b2}, dz);
  expect_same(fc, isa, "dx", dx1, dx2);
  expect_same(fc, isa, "dweight", g1, g2);
  expect_same(fc, isa, "dbias", b1, b2);
  for (std::size_t i = 0; i < n; ++i) {
    const float want = y2[i] > 0 ? dy.span[i] : 0.f;
    if (!(dz[i] == want || (std::isnan(dz[i]) && std::isnan(want))))
      fail(fc, isa, "dz[" + std::to_string(i) + "] is not dy·[y > 0]");
  }
}

void expect_same_module(const FuzzCase& fc, std::string_view isa, const char* what,
                        Options variant) {
  const Shape& s = fc.shape;
  Options base{.eps = fc.eps, .affine = !fc.weight.empty(), .relu = fc.relu};
  variant.eps = base.eps;
  variant.affine = base.affine;
  variant.relu = base.relu;
  BatchNorm a(s.c, base), b(s.c, variant);
  for (BatchNorm* bn : {&a, &b}) {
    std::copy(fc.weight.begin(), fc.weight.end(), bn->weight().begin());
    std::copy(fc.bias.begin(), fc.bias.end(), bn->bias().begin());
  }
  const std::size_t n = s.numel();
  std::vector<float> ya(n), yb(n), dxa(n), dxb(n);
  const std::vector<float> dy = fc.dy.empty() ? std::vector<float>(n, 1.f) : fc.dy;
  a.forward(fc.x, s, ya);
  b.forward(fc.x, s, yb);
  a.backward(dy, dxa);
  b.backward(dy, dxb);
  const std::string p = std::string(what) + " ";
  expect_same(fc, isa, (p + "y").c_str(), ya, yb);
  expect_same(fc, isa, (p + "dx").c_str(), dxa, dxb);
  expect_same(fc, isa, (p + "dweight").c_str(), a.weight_grad(), b.weight_grad());
  expect_same(fc, isa, (p + "dbias").c_str(), a.bias_grad(), b.bias_grad());
  expect_same(fc, isa, (p + "running_mean").c_str(), a.running_mean(), b.running_mean());
  expect_same(fc, isa, (p + "running_var").c_str(), a.running_var(), b.running_var());
}

bool all_finite(const std::vector<float>& v) {
  for (float f : v)
    if (!std::isfinite(f)) return false;
  return true;
}

}  // namespace

void check_variant_agreement(const FuzzCase& fc) {
  const Shape& s = fc.shape;
  if (s.per_channel() < 2) return;  // training needs 2 values per channel (checked elsewhere)
  const bool finite_params = all_finite(fc.weight) && all_finite(fc.bias);
  for (std::string_view isa : available_isas()) {
    set_isa(isa);
    if (isa != "scalar") add_relu_is_fused_relu(fc, isa);
    expect_same_module(fc, isa, "ghost k = N", Options{.virtual_batch_size = s.n});
    if (finite_params)
      expect_same_module(fc, isa, "renorm r = 1, d = 0", Options{.renorm = Renorm{1.f, 0.f, 0.5f}});
  }
}

}  // namespace simdnorm::fuzz
