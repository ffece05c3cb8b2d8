// The BatchNorm module: PyTorch's mode and running-statistics bookkeeping over functional.hpp.

#include "simdnorm/batch_norm.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "core/parallel.hpp"
#include "core/saved_input.hpp"
#include "core/validate.hpp"

namespace simdnorm {

namespace {

void check_renorm_limits(std::string_view fn, float rmax, float dmax) {
  if (!(rmax >= 1.f))
    detail::fail(ErrorCode::range, fn, "renorm.rmax", "a value ≥ 1", detail::str(rmax));
  if (!(dmax >= 0.f))
    detail::fail(ErrorCode::range, fn, "renorm.dmax", "a value ≥ 0", detail::str(dmax));
}

float ramp(std::int64_t step, std::int64_t start, std::int64_t end, float from, float to) {
  if (step <= start) return from;
  if (step >= end) return to;
  return from + (to - from) * float(double(step - start) / double(end - start));
}

}  // namespace

RenormLimits renorm_limits(std::int64_t step, const RenormSchedule& s) {
  constexpr std::string_view fn = "renorm_limits";
  check_renorm_limits(fn, s.rmax, s.dmax);
  if (s.rmax_steps < s.warmup_steps)
    detail::fail(ErrorCode::range, fn, "schedule.rmax_steps",
                 "at least warmup_steps = " + std::to_string(s.warmup_steps),
                 std::to_string(s.rmax_steps));
  if (s.dmax_steps < s.warmup_steps)
    detail::fail(ErrorCode::range, fn, "schedule.dmax_steps",
                 "at least warmup_steps = " + std::to_string(s.warmup_steps),
                 std::to_string(s.dmax_steps));
  return {ramp(step, s.warmup_steps, s.rmax_steps, 1.f, s.rmax),
          ramp(step, s.warmup_steps, s.dmax_steps, 0.f, s.dmax)};
}

BatchNorm::BatchNorm(std::size_t num_features, Options options)
    : num_features_(num_features), options_(options) {
  constexpr std::string_view fn = "BatchNorm";
  if (num_features == 0) detail::fail(ErrorCode::range, fn, "num_features", "at least 1", "0");
  detail::check_eps(fn, options.eps);
  if (options.momentum) detail::check_momentum(fn, *options.momentum);
  if (options.renorm) {
    check_renorm_limits(fn, options.renorm->rmax, options.renorm->dmax);
    if (!(options.renorm->momentum >= 0.f && options.renorm->momentum <= 1.f))
      detail::fail(ErrorCode::range, fn, "renorm.momentum", "a value in [0, 1]",
                   detail::str(options.renorm->momentum));
    renorm_mean_.resize(num_features);
    renorm_std_.resize(num_features);
  }
  if (options.affine) {
    weight_.resize(num_features);
    bias_.resize(num_features);
    weight_grad_.assign(num_features, 0.f);
    bias_grad_.assign(num_features, 0.f);
  }
  if (options.track_running_stats) {
    running_mean_.resize(num_features);
    running_var_.resize(num_features);
  }
  reset_parameters();
}

void BatchNorm::reset_running_stats() {
  std::fill(running_mean_.begin(), running_mean_.end(), 0.f);
  std::fill(running_var_.begin(), running_var_.end(), 1.f);
  std::fill(renorm_mean_.begin(), renorm_mean_.end(), 0.f);
  std::fill(renorm_std_.begin(), renorm_std_.end(), 1.f);
  num_batches_tracked_ = 0;
}

void BatchNorm::reset_parameters() {
  reset_running_stats();
  std::fill(weight_.begin(), weight_.end(), 1.f);
  std::fill(bias_.begin(), bias_.end(), 0.f);
}

void BatchNorm::set_renorm_limits(float rmax, float dmax) {
  constexpr std::string_view fn = "BatchNorm::set_renorm_limits";
  if (!options_.renorm)
    detail::fail(ErrorCode::state, fn, "options.renorm", "a module built with renorm", "none");
  check_renorm_limits(fn, rmax, dmax);
  options_.renorm->rmax = rmax;
  options_.renorm->dmax = dmax;
}

NormParams BatchNorm::params() const {
  return {weight_, bias_, options_.eps, options_.relu};
}

NormParams BatchNorm::ghost_params(std::size_t g) const {
  if (!options_.renorm) return params();
  const std::size_t c = num_features_;
  return {std::span<const float>(ghost_weight_).subspan(g * c, c),
          std::span<const float>(ghost_bias_).subspan(g * c, c), options_.eps, options_.relu};
}

std::size_t BatchNorm::ghost_batches(const Shape& shape) const {
  const std::size_t k = options_.virtual_batch_size;
  return k == 0 || shape.n == 0 ? 1 : shape.n / k;
}

bool BatchNorm::check_forward(std::string_view fn, std::span<const float> x, const Shape& shape,
                              std::span<const float> y) const {
  detail::check_shape(fn, shape);
  if (shape.c != num_features_)
    detail::fail(ErrorCode::shape, fn, "shape.c", std::to_string(num_features_) + " (num_features)",
                 std::to_string(shape.c));
  detail::check_tensor(fn, "x", x.size(), shape);
  detail::check_tensor(fn, "y", y.size(), shape);
  const bool batch_stats = training_ || !options_.track_running_stats;
  if (!batch_stats || shape.per_channel() == 0) return batch_stats;
  const std::size_t k = options_.virtual_batch_size;
  if (k != 0 && shape.n % k != 0)
    detail::fail(ErrorCode::shape, fn, "shape.n",
                 "a multiple of options.virtual_batch_size = " + std::to_string(k) +
                     " (whole ghost batches)",
                 std::to_string(shape.n));
  detail::check_trainable(fn, k == 0 ? shape : Shape{k, shape.c, shape.s, shape.layout});
  return batch_stats;
}

void BatchNorm::forward(std::span<const float> x, const Shape& shape, std::span<float> y) {
  const bool batch_stats = check_forward("BatchNorm::forward", x, shape, y);
  const detail::ForwardInput in = detail::keep_input(input_, input_offset_, x, y);
  input_size_ = x.size();
  kept_input_ = KeptInput::copy;
  run_forward(in.x, {}, false, shape, y, batch_stats, in.x_copy);
}

void BatchNorm::forward_borrowed(std::span<const float> x, const Shape& shape, std::span<float> y) {
  constexpr std::string_view fn = "BatchNorm::forward_borrowed";
  const bool batch_stats = check_forward(fn, x, shape, y);
  // Compared as integers: relational operators on pointers into different arrays are unspecified.
  if (detail::overlap(x, y))
    detail::fail(ErrorCode::range, fn, "y", "memory apart from x (backward reads x)",
                 "an overlapping span");
  // input_ keeps its memory: for the next forward(), or release_input(true), which would otherwise
  // allocate (in wasm, growing the heap detaches the caller's views of it).
  input_offset_ = input_size_ = 0;
  borrowed_input_ = x;
  kept_input_ = KeptInput::borrowed;
  run_forward(x, {}, false, shape, y, batch_stats, {});
}

void BatchNorm::release_input(bool keep_copy) {
  if (kept_input_ != KeptInput::borrowed) return;
  if (!keep_copy) {
    borrowed_input_ = {};
    kept_input_ = KeptInput::released;
    return;
  }
  input_.resize(borrowed_input_.size());  // may throw: the module then still borrows x
  detail::parallel_copy(borrowed_input_, input_);
  input_offset_ = 0;
  input_size_ = input_.size();
  borrowed_input_ = {};
  kept_input_ = KeptInput::copy;
}

void BatchNorm::forward_no_grad(std::span<const float> x, const Shape& shape, std::span<float> y) {
  constexpr std::string_view fn = "BatchNorm::forward_no_grad";
  const bool batch_stats = check_forward(fn, x, shape, y);
  detail::check_alias(fn, "y", y, "x", x);
  // input_ keeps its memory for the next forward(); what it holds is no longer x.
  input_offset_ = input_size_ = 0;
  borrowed_input_ = {};
  kept_input_ = KeptInput::none;
  run_forward(x, {}, false, shape, y, batch_stats, {});
}

void BatchNorm::forward_add_relu(std::span<const float> x, std::span<const float> z,
                                 const Shape& shape, std::span<float> y) {
  constexpr std::string_view fn = "BatchNorm::forward_add_relu";
  if (options_.relu)
    detail::fail(ErrorCode::state, fn, "options.relu",
                 "false (the block applies its ReLU after the add)", "true");
  const bool batch_stats = check_forward(fn, x, shape, y);
  detail::check_tensor(fn, "z", z.size(), shape);
  detail::check_alias(fn, "y", y, "z", z);
  const detail::ForwardInput in = detail::keep_input(input_, input_offset_, x, y);
  input_size_ = x.size();
  kept_input_ = KeptInput::copy;
  run_forward(in.x, z, true, shape, y, batch_stats, in.x_copy);
  output_.resize(y.size());
  detail::parallel_copy(y, output_);
}

void BatchNorm::run_forward(std::span<const float> x, std::span<const float> z, bool add_relu,
                            const Shape& shape, std::span<float> y, bool batch_stats,
                            std::span<float> x_copy) {
  last_shape_ = shape;
  last_used_batch_stats_ = batch_stats;
  last_add_relu_ = add_relu;
  const std::size_t saved = ghost_batches(shape) * num_features_;
  // Sized even for an empty batch: backward() after it passes them on (and zeroes the grads).
  save_mean_.resize(saved);
  save_invstd_.resize(saved);
  batch_var_.resize(saved);
  if (shape.per_channel() == 0) return;  // PyTorch-style no-op: nothing to normalize or track

  if (!batch_stats) {
    if (last_add_relu_) {
      detail::normalize_add_relu_saving_input(x, z, shape, params(), running_mean_, running_var_, y,
                                              x_copy);
    } else {
      detail::normalize_saving_input(x, shape, params(), running_mean_, running_var_, y, x_copy);
    }
    return;
  }
  forward_batch_stats(x, z, shape, y, x_copy);
}

namespace {

// Runs f(g) for each of `groups` ghost batches of `group_floats` floats. When a ghost batch is a
// single piece of the partition (its own calls stay on one thread) but the whole batch is more,
// runs of them go to the pool, about a piece's worth a task; larger ones run in order, each split
// by its own calls. Each ghost batch's results are its own calls' either way: the same bits on any
// thread count. Pool tasks must not throw: an exception (arguments are checked whole before, so
// only a failed allocation) is caught in its task and the first one, in ghost-batch order,
// rethrown here.
template <class F>
void for_ghost_batches(std::size_t groups, std::size_t group_floats, F&& f) {
  const std::size_t piece = detail::piece_floats();
  const bool pooled = group_floats <= piece && groups * group_floats > piece;
  const std::size_t per_task =
      pooled ? std::max<std::size_t>(1, piece / std::max<std::size_t>(group_floats, 1)) : groups;
  const std::size_t tasks = (groups + per_task - 1) / per_task;
  if (tasks == 1) {  // on the calling thread (the usual module: one ghost batch), no bookkeeping
    for (std::size_t g = 0; g < groups; ++g) f(g);
    return;
  }
  std::vector<std::exception_ptr> errors(tasks);
  detail::parallel_for(tasks, [&](std::size_t t) {
    try {
      for (std::size_t g = t * per_task; g < std::min(groups, (t + 1) * per_task); ++g) f(g);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  });
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

// Ghost batches (the whole batch without them): each one's moments and normalization with the
// batch's own statistics, or with renorm its moments, then in order renorm's r and d from the
// moving μ and σ before each one's update, then the normalizations; then, in order, the running
// statistics' updates.
void BatchNorm::forward_batch_stats(std::span<const float> x, std::span<const float> z,
                                    const Shape& shape, std::span<float> y,
                                    std::span<float> x_copy) {
  const std::size_t groups = ghost_batches(shape), c = num_features_;
  const Shape part{shape.n / groups, c, shape.s, shape.layout};
  const std::size_t m = part.numel();
  const bool renorm = options_.renorm && training_;
  const auto mean = [&](std::size_t g) { return std::span(save_mean_).subspan(g * c, c); };
  const auto var = [&](std::size_t g) { return std::span(batch_var_).subspan(g * c, c); };
  const auto normalize = [&](std::size_t g, const NormParams& p) {
    const std::span<const float> xg = x.subspan(g * m, m);
    const std::span<float> yg = y.subspan(g * m, m);
    const std::span<float> copy_g = x_copy.empty() ? x_copy : x_copy.subspan(g * m, m);
    const std::span<const float> zg = last_add_relu_ ? z.subspan(g * m, m) : z.first(0);
    if (!renorm) {
      // Normalizing with the batch's own mean and variance: exactly forward_training.
      detail::batch_normalize_saving_input(xg, zg, part, p, mean(g), var(g), yg, copy_g);
    } else if (last_add_relu_) {
      detail::normalize_add_relu_saving_input(xg, zg, part, p, mean(g), var(g), yg, copy_g);
    } else {
      detail::normalize_saving_input(xg, part, p, mean(g), var(g), yg, copy_g);
    }
  };
  if (!renorm) {
    for_ghost_batches(groups, m, [&](std::size_t g) { normalize(g, params()); });
  } else {
    renorm_r_.resize(groups * c);
    renorm_d_.resize(groups * c);
    ghost_weight_.resize(groups * c);
    ghost_bias_.resize(groups * c);
    for_ghost_batches(groups, m, [&](std::size_t g) {
      batch_moments(x.subspan(g * m, m), part, mean(g), var(g));
    });
    const Renorm& rn = *options_.renorm;
    for (std::size_t g = 0; g < groups; ++g) {
      for (std::size_t i = 0; i < c; ++i) {
        // σ_B = sqrt(var + eps) exactly as the kernels take it; r and d in double, one rounding.
        const float mean_i = save_mean_[g * c + i], var_i = batch_var_[g * c + i];
        const double sigma_b = std::sqrt(double(var_i) + double(options_.eps));
        const double sigma = renorm_std_[i];
        const double r = std::clamp(sigma_b / sigma, 1.0 / double(rn.rmax), double(rn.rmax));
        const double d = std::clamp((double(mean_i) - renorm_mean_[i]) / sigma, -double(rn.dmax),
                                    double(rn.dmax));
        const double gamma = weight_.empty() ? 1.0 : weight_[i];
        const double beta = bias_.empty() ? 0.0 : bias_[i];
        renorm_r_[g * c + i] = float(r);
        renorm_d_[g * c + i] = float(d);
        ghost_weight_[g * c + i] = float(gamma * r);
        ghost_bias_[g * c + i] = float(beta + gamma * d);
        renorm_mean_[i] += rn.momentum * (mean_i - renorm_mean_[i]);
        renorm_std_[i] = float(sigma + rn.momentum * (sigma_b - sigma));
      }
    }
    for_ghost_batches(groups, m, [&](std::size_t g) { normalize(g, ghost_params(g)); });
  }
  for (std::size_t g = 0; g < groups; ++g) {
    const std::span<float> invstd = std::span(save_invstd_).subspan(g * c, c), vg = var(g);
    for (std::size_t i = 0; i < c; ++i) invstd[i] = 1.f / std::sqrt(vg[i] + options_.eps);
    if (training_ && options_.track_running_stats) {
      ++num_batches_tracked_;
      const float momentum =
          options_.momentum ? *options_.momentum : 1.f / float(num_batches_tracked_);
      update_running_stats(mean(g), vg, part.per_channel(), momentum, running_mean_, running_var_);
    }
  }
  last_renorm_ = renorm;
}

void BatchNorm::backward(std::span<const float> dy, std::span<float> dx) {
  constexpr std::string_view fn = "BatchNorm::backward";
  if (last_shape_ && last_add_relu_)
    detail::fail(ErrorCode::state, fn, "dy", "backward_add_relu() after forward_add_relu()",
                 "backward()");
  run_backward(dy, dx, {});
}

void BatchNorm::backward_add_relu(std::span<const float> dy, std::span<float> dx,
                                  std::span<float> dz) {
  constexpr std::string_view fn = "BatchNorm::backward_add_relu";
  if (last_shape_ && !last_add_relu_)
    detail::fail(ErrorCode::state, fn, "dy", "forward_add_relu() before backward_add_relu()",
                 kept_input_ == KeptInput::none ? "forward_no_grad()" : "forward()");
  run_backward(dy, dx, dz);
}

void BatchNorm::run_backward(std::span<const float> dy, std::span<float> dx, std::span<float> dz) {
  const std::string_view fn =
      last_add_relu_ ? "BatchNorm::backward_add_relu" : "BatchNorm::backward";
  if (!last_shape_)
    detail::fail(ErrorCode::state, fn, "dy", "a forward() before backward()", "none");
  if (kept_input_ == KeptInput::none)
    detail::fail(ErrorCode::state, fn, "dy", "a forward() that keeps x before backward()",
                 "forward_no_grad(), which keeps no x");
  if (kept_input_ == KeptInput::released)
    detail::fail(ErrorCode::state, fn, "dy", "a forward() that keeps x before backward()",
                 "forward_borrowed() whose x was released by release_input(false)");
  const Shape& shape = *last_shape_;
  const std::string what = "the last forward's shape " + to_string(shape);
  detail::check_size(fn, "dy", dy.size(), shape.numel(), what);
  if (!last_add_relu_ || !dx.empty()) detail::check_size(fn, "dx", dx.size(), shape.numel(), what);
  if (!dz.empty()) detail::check_size(fn, "dz", dz.size(), shape.numel(), what);
  const std::span<const float> x = saved_input();
  // The overlaps the calls below refuse, checked on the whole tensors: ghost batch by ghost batch
  // they would be found inside pool tasks, or not at all (dx one ghost batch off dy).
  detail::check_alias(fn, "dx", dx, "dy", dy);
  detail::check_alias(fn, "dx", dx, "x", x);
  if (last_add_relu_) {
    detail::check_alias(fn, "dz", dz, "dy", dy);
    detail::check_apart(fn, "dz", dz, "x", x);
    detail::check_apart(fn, "dz", dz, "dx", dx);
  }
  if (!last_used_batch_stats_) {
    const Gradients grads{dx, weight_grad_, bias_grad_};
    if (last_add_relu_) {
      backward_add_relu_inference(dy, output_, x, shape, params(), running_mean_, running_var_,
                                  grads, dz);
    } else {
      backward_inference(dy, x, shape, params(), running_mean_, running_var_, grads);
    }
    return;
  }
  const std::size_t groups = ghost_batches(shape), c = num_features_;
  const Shape part{shape.n / groups, c, shape.s, shape.layout};
  const std::size_t m = part.numel();
  const auto sub = [](auto span, std::size_t offset, std::size_t count) {
    return span.empty() ? span : span.subspan(offset, count);
  };
  // One ghost batch: the parameter gradients go straight to the module's (bit-identical to BN).
  // Several: each one's into its own row of ghost_grads_, added up in order afterwards.
  const bool direct = groups == 1 && !last_renorm_;
  const std::size_t dw_size = weight_grad_.size(), db_size = bias_grad_.size();
  if (!direct) ghost_grads_.resize(groups * (dw_size + db_size));
  const auto dw = [&](std::size_t g) {
    return direct ? std::span<float>(weight_grad_)
                  : std::span(ghost_grads_).subspan(g * (dw_size + db_size), dw_size);
  };
  const auto db = [&](std::size_t g) {
    return direct ? std::span<float>(bias_grad_)
                  : std::span(ghost_grads_).subspan(g * (dw_size + db_size) + dw_size, db_size);
  };
  for_ghost_batches(groups, m, [&](std::size_t g) {
    const Gradients grads{sub(dx, g * m, m), dw(g), db(g)};
    const NormParams p = last_renorm_ ? ghost_params(g) : params();
    const std::span<const float> mean = std::span<const float>(save_mean_).subspan(g * c, c);
    const std::span<const float> invstd = std::span<const float>(save_invstd_).subspan(g * c, c);
    if (last_add_relu_) {
      backward_add_relu_training(
          dy.subspan(g * m, m), std::span<const float>(output_).subspan(g * m, m),
          x.subspan(g * m, m), part, p, mean, invstd, grads, sub(dz, g * m, m));
    } else {
      backward_training(dy.subspan(g * m, m), x.subspan(g * m, m), part, p, mean, invstd, grads);
    }
  });
  if (direct) return;
  std::fill(weight_grad_.begin(), weight_grad_.end(), 0.f);
  std::fill(bias_grad_.begin(), bias_grad_.end(), 0.f);
  for (std::size_t g = 0; g < groups; ++g) {
    // With renorm the output is γ·(x̂·r + d) + β: dγ = r·Σdy'x̂ + d·Σdy' (the call saw γ·r). The
    // d term is left out when d = 0, so an overflowed Σdy' cannot turn dγ into 0·∞ = NaN.
    const std::span<const float> dwg = dw(g), dbg = db(g);
    for (std::size_t i = 0; i < dw_size; ++i) {
      if (!last_renorm_) {
        weight_grad_[i] += dwg[i];
        continue;
      }
      const float r = renorm_r_[g * c + i], d = renorm_d_[g * c + i];
      weight_grad_[i] += d == 0.f ? r * dwg[i] : r * dwg[i] + d * dbg[i];
    }
    for (std::size_t i = 0; i < db_size; ++i) bias_grad_[i] += dbg[i];
  }
}

}  // namespace simdnorm
