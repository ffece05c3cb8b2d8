#pragma once
// How far a SIMD kernel may be from the scalar reference (src/kernels/reference.cpp: double
// accumulation, one rounding to float at the end), derived from the float operations the kernels
// in src/kernels actually perform. These are worst-case bounds (every rounding error adds up with
// the same sign), not statistical ones: a real bug (wrong channel, lost tail, unmasked lane,
// aliasing) produces errors of the size of the data itself, far above them.
//
// Notation: u = 2⁻²⁴ (float's unit roundoff), τ = 2⁻¹⁴⁹ (smallest subnormal: the absolute error
// of any result that underflows), M = N·S values per channel, A = max |x| over the channel's
// finite values, μ, σ² the reference's mean and biased variance, inv = 1/√(σ² + eps).
//
// Domain. The bounds hold while nothing a kernel computes in float can overflow or lose its
// precision to underflow: finite inputs up to 2⁵⁶ in magnitude (a block's Σ(x − m)² stays below
// 2048·(2·2⁵⁶)² = 2¹²⁵ < FLT_MAX), and per-channel coefficients (γ·inv, γ·inv², …) that are
// 0 or within [2⁻¹⁰⁰, 2¹⁰⁰]. Outside it the float kernels may overflow where the double
// reference does not (e.g. |x − mean| ≥ 2⁶⁴ makes the block's Σ(x − m)² infinite): such channels
// are not compared. NaN and ±Inf inputs are inside the domain: the outputs must then agree in
// class (NaN where the reference has NaN, the same infinity where it has one).

#include <cstddef>

namespace simdnorm::fuzz::bounds {

inline constexpr double u = 0x1p-24;
inline constexpr double tau = 0x1p-149;
inline constexpr double kMaxInput = 0x1p56;

// |v| ≤ 2⁵⁶ (finite), or NaN/±Inf (classes are compared, not values).
bool input_in_domain(float v);
// 0, or |v| within [2⁻¹⁰⁰, 2¹⁰⁰]: a coefficient the kernels form in float without overflow or
// subnormal precision loss.
bool coefficient_in_domain(double v);

// Longest chain of float additions behind one per-channel sum: the kernels add at most one block
// of 2048 values in float (lane-parallel, then a horizontal add of ≤ 16 lanes and a division)
// before merging blocks in double, so K = min(M, 2048) + 8. A float sum of n terms is off by at
// most (n − 1)·u·Σ|terms| (Higham, Accuracy and Stability of Numerical Algorithms, §4.2).
double summation_chain(std::size_t m);

// Batch statistics (moments kernel: per block, a float mean, then Σ(x − m)² in float around that
// block mean m; blocks merged with Chan's update in double):
//   mean: |Δμ| ≤ e = K·u·A + u·|μ| + 2τ                       (block sum + final roundings)
//   var:  |Δσ²| ≤ (K + 4)·u·(σ² + 8eA + 5e²) + 8eA + 5e² + 4τ
// The second line: Σ(x − m)² around an inexact block mean m = μ_b − δ_b (|δ_b| ≤ e) equals the
// true M2 plus n_b·δ_b²; Chan's merge of the shifted block means adds −2Σ n_b(μ_b − μ)(δ_b − δ̄)
// + Σ n_b(δ_b − δ̄)², at most 8eA + 4e² per value since |μ_b − μ| ≤ 2A. The float sum of squares
// itself is off by (K + 3)·u relative, underflow by τ per value, the stored float by u.
struct MomentBounds {
  double mean, var;
};
MomentBounds moment_bounds(std::size_t m, double max_abs_x, double mean, double var);

// Relative error of inv = 1/√(var + eps) when var is off by at most var_bound: with
// ρ = (var_bound + u·(var + eps))/(var + eps), |Δinv|/inv ≤ ρ/2 + ρ² + 3u for ρ < ½ (the 3u are
// the float add, sqrt and divide). Returns +∞ when ρ ≥ ½: the float computation does not
// determine the variance (|mean| ≫ std at the limit of float), so only classes are compared.
double invstd_relative_bound(double var, double var_bound, double eps);

// y = (x − μ)·(γ·inv) + β as the normalize kernel computes it (x − μ, γ·inv, one fma), against
// the reference's double evaluation, for one element:
//   |Δy| ≤ |γ|·inv·(1 + ε)·(e_μ + u·|x − μ|) + (ε + 2u)·|γ|·inv·|x − μ| + 2u·(|y| + |β|) + 2τ
// where e_μ bounds the mean's error and ε the relative error of inv. A fused ReLU is
// 1-Lipschitz, so the same bound holds after it.
double normalize_bound(double scale_abs, double mean_bound, double inv_rel, double xmu_abs,
                       double beta_abs, double y_abs);

// A ReLU mask decision the kernels may legitimately take differently from the reference: the
// float pre-activation (x − μ rounded, γ·inv formed in float — inv itself from 1/√(var + eps) in
// eval mode —, one fma) is within 8u·|γ·inv·(x − μ)| + 2u·|β| + 2τ of the double one, so when the
// reference's value is that close to 0 either mask is correct.
bool relu_mask_ambiguous(double pre_activation, double scale_xmu_abs, double beta_abs);

// Backward sums Σdy' and Σdy'·(x − μ) (grad_sums: float per block, double across blocks):
//   |ΔΣ| ≤ (K + 2)·u·(Σ|term| + A) + u·|Σ| + M·τ + A,  A = Σ over ambiguous ReLU masks of |term|
// The + 2 covers x − μ rounded to float and the fma; an ambiguous term the kernel keeps is
// rounded like the others (found by the fuzzer: a kept term of 2.2e12 exceeded A by 2⁻²³).
double sum_bound(std::size_t m, double sum_abs_terms, double sum, double ambiguous_abs_terms);

// dx from grad_input, training mode: a = γ·inv, C = −a·Σdy'/M, B = −a·inv²·Σdy'(x − μ)/M, all
// formed in float (≤ 6 roundings each), then dx = fma(x − μ, B, fma(dy', a, C)):
//   |Δdx| ≤ |a|·ΔΣdy/M + |a|·inv²·|x − μ|·ΔΣdyx/M + 8u·(|a·dy'| + |C| + |B·(x − μ)|) + u·|dx|
//           + (1 + 8u)·(|a·dy| if this element's mask is ambiguous) + 4τ·(1 + |x − μ|)
double grad_input_training_bound(double a_abs, double inv, std::size_t m, double sum_dy_bound,
                                 double sum_dyx_bound, double xmu_abs, double a_dy_abs,
                                 double c_abs, double b_xmu_abs, double dx_abs,
                                 double ambiguous_a_dy_abs);

}  // namespace simdnorm::fuzz::bounds
