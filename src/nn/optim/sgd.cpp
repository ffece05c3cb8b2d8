#include "nn/optim/sgd.hpp"

#include <sstream>
#include <stdexcept>

#include "nn/optim/sgd_kernels.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn::optim {

SGD::SGD(std::vector<Parameter> params, const SGDOptions& options)
    : Optimizer(std::move(params), options.lr), options_(options) {
  check_non_negative("momentum", options.momentum);
  check_non_negative("dampening", options.dampening);
  check_non_negative("weight_decay", options.weight_decay);
  if (options.nesterov && (options.momentum <= 0 || options.dampening != 0)) {
    std::ostringstream s;
    s << "nesterov: expected momentum > 0 and dampening = 0, given momentum " << options.momentum
      << " and dampening " << options.dampening;
    throw Error(ErrorCode::range, s.str());
  }
  if (options.momentum != 0)
    for (const Parameter& p : params_) momentum_buffer_.emplace_back(p.value.size(), 0.f);
}

void SGD::step() {
  // The options as locals: read through `this` (which a store to a float parameter might change)
  // they would keep the update from hoisting its branches.
  const float mu = options_.momentum;
  SgdUpdate u{lr_,
              options_.weight_decay,
              mu,
              1 - options_.dampening,
              options_.weight_decay != 0,
              mu != 0,
              options_.nesterov,
              first_step_};
  const SgdKernels& k = active_sgd_kernels();
  for (std::size_t i = 0; i < params_.size(); ++i)
    k.update(u, params_[i].value.size(), params_[i].value.data(), params_[i].grad.data(),
             u.use_momentum ? momentum_buffer_[i].data() : nullptr);
  first_step_ = false;
}

}  // namespace simdnorm::nn::optim
