#include "nn/clip_grad_norm.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "simdnorm/error.hpp"

namespace simdnorm::nn {

double clip_grad_norm(std::span<const Parameter> params, double max_norm) {
  if (!(max_norm >= 0)) {
    std::ostringstream s;
    s << "max_norm: expected a number ≥ 0, given " << max_norm;
    throw Error(ErrorCode::range, s.str());
  }
  double sum = 0;
  for (const Parameter& p : params)
    for (const float g : p.grad) sum += double(g) * g;
  const double norm = std::sqrt(sum);
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1 || std::isnan(coef))
    for (const Parameter& p : params)
      for (float& g : p.grad) g = float(g * coef);
  return norm;
}

}  // namespace simdnorm::nn
