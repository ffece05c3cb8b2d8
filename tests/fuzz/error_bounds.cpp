#include "error_bounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace simdnorm::fuzz::bounds {

bool input_in_domain(float v) {
  return !std::isfinite(v) || std::fabs(double(v)) <= kMaxInput;
}

bool coefficient_in_domain(double v) {
  const double a = std::fabs(v);
  return a == 0 || (a >= 0x1p-100 && a <= 0x1p100);
}

double summation_chain(std::size_t m) {
  return double(std::min<std::size_t>(m, 2048) + 8);
}

MomentBounds moment_bounds(std::size_t m, double max_abs_x, double mean, double var) {
  const double k = summation_chain(m);
  const double e = k * u * max_abs_x + u * std::fabs(mean) + 2 * tau;
  const double shift = 8 * e * max_abs_x + 5 * e * e;
  return {e, (k + 4) * u * (var + shift) + shift + 4 * tau};
}

double invstd_relative_bound(double var, double var_bound, double eps) {
  const double rho = (var_bound + u * (var + eps)) / (var + eps);
  if (!(rho < 0.5)) return std::numeric_limits<double>::infinity();
  return rho / 2 + rho * rho + 3 * u;
}

double normalize_bound(double scale_abs, double mean_bound, double inv_rel, double xmu_abs,
                       double beta_abs, double y_abs) {
  return scale_abs * (1 + inv_rel) * (mean_bound + u * xmu_abs) +
         (inv_rel + 2 * u) * scale_abs * xmu_abs + 2 * u * (y_abs + beta_abs) + 2 * tau;
}

bool relu_mask_ambiguous(double pre_activation, double scale_xmu_abs, double beta_abs) {
  return std::fabs(pre_activation) <= 8 * u * scale_xmu_abs + 2 * u * beta_abs + 2 * tau;
}

double sum_bound(std::size_t m, double sum_abs_terms, double sum, double ambiguous_abs_terms) {
  // An ambiguous term the kernel kept is itself rounded like the others.
  return (summation_chain(m) + 2) * u * (sum_abs_terms + ambiguous_abs_terms) + u * std::fabs(sum) +
         double(m) * tau + ambiguous_abs_terms;
}

double grad_input_training_bound(double a_abs, double inv, std::size_t m, double sum_dy_bound,
                                 double sum_dyx_bound, double xmu_abs, double a_dy_abs,
                                 double c_abs, double b_xmu_abs, double dx_abs,
                                 double ambiguous_a_dy_abs) {
  const double count = double(m);
  return a_abs * sum_dy_bound / count + a_abs * inv * inv * xmu_abs * sum_dyx_bound / count +
         8 * u * (a_dy_abs + c_abs + b_xmu_abs + ambiguous_a_dy_abs) + u * dx_abs +
         ambiguous_a_dy_abs + 4 * tau * (1 + xmu_abs);
}

}  // namespace simdnorm::fuzz::bounds
