// Property (a): every available ISA computes what the scalar reference computes, within the
// bounds of error_bounds.hpp. Each output element gets a tolerance; two special tolerances mark
// elements compared by class only (NaN-ness, which infinity), and NaN marks elements outside the
// bounds' domain (not compared; see error_bounds.hpp).

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "error_bounds.hpp"
#include "fuzz_checks.hpp"
#include "simdnorm/simdnorm.hpp"

namespace simdnorm::fuzz {
namespace {

namespace b = bounds;

constexpr double kSkip = std::numeric_limits<double>::quiet_NaN();
constexpr double kClass = std::numeric_limits<double>::infinity();
// Class only, and a reference ±Inf may be NaN: a channel holding +Inf has mean +Inf when summed
// in one pass (the reference) but NaN when block means are merged (+Inf − +Inf), as in PyTorch's
// own Welford path. Its variance and normalized outputs are NaN either way.
constexpr double kClassInfMayBeNaN = -std::numeric_limits<double>::infinity();

// What every output holds before a call: N·S = 0 must leave it there.
const float kSentinel = std::bit_cast<float>(std::uint32_t{0x7fc0dead});

// A buffer offset by `misalign` floats from its own allocation, which is exactly as long as
// needed: AddressSanitizer catches any access past the end, and no vector width is aligned.
class Buffer {
 public:
  Buffer(std::size_t size, std::size_t misalign)
      : storage_(std::make_unique<float[]>(size + misalign)),
        data_(storage_.get() + misalign),
        size_(size) {
    std::fill(data_, data_ + size_, kSentinel);
  }
  Buffer(const std::vector<float>& init, std::size_t misalign) : Buffer(init.size(), misalign) {
    std::copy(init.begin(), init.end(), data_);
  }
  std::span<float> span() { return {data_, size_}; }

 private:
  std::unique_ptr<float[]> storage_;
  float* data_;
  std::size_t size_;
};

std::vector<float> copy(std::span<const float> s) {
  return {s.begin(), s.end()};
}

struct Output {
  const char* name;
  std::vector<float> values;
  bool per_channel;
};

struct Result {
  bool threw = false;
  std::string message;
  std::vector<Output> outputs;
};

// Per-channel statistics inputs: running mean/var (inference ops) or save_mean/save_invstd.
struct Stats {
  std::vector<float> mean, second;
};

Result run(const FuzzCase& fc, const Stats& stats) {
  const Shape& s = fc.shape;
  const std::size_t c = s.c, numel = s.numel(), off = fc.misalign;
  Buffer weight(fc.weight, off), bias(fc.bias, off);
  const NormParams params{weight.span(), bias.span(), fc.eps, fc.relu};
  Buffer mean(stats.mean, off), second(stats.second, off);
  Result r;
  try {
    switch (fc.op) {
      case Op::BatchMoments: {
        Buffer x(fc.x, off), m(c, off), v(c, off);
        batch_moments(x.span(), s, m.span(), v.span());
        r.outputs = {{"mean", copy(m.span()), true}, {"var", copy(v.span()), true}};
        break;
      }
      case Op::ForwardTraining: {
        Buffer x(fc.x, off), y(numel, off), sm(c, off), si(c, off);
        Buffer bv(fc.want_batch_var ? c : 0, off);
        const std::span<float> out = fc.alias == Alias::OutputIsX ? x.span() : y.span();
        forward_training(x.span(), s, params, out, sm.span(), si.span(), bv.span());
        r.outputs = {{"y", copy(out), false},
                     {"save_mean", copy(sm.span()), true},
                     {"save_invstd", copy(si.span()), true}};
        if (fc.want_batch_var) r.outputs.push_back({"batch_var", copy(bv.span()), true});
        break;
      }
      case Op::ForwardInference: {
        Buffer x(fc.x, off), y(numel, off);
        const std::span<float> out = fc.alias == Alias::OutputIsX ? x.span() : y.span();
        forward_inference(x.span(), s, params, mean.span(), second.span(), out);
        r.outputs = {{"y", copy(out), false}};
        break;
      }
      case Op::BackwardTraining:
      case Op::BackwardInference: {
        Buffer dy(fc.dy, off), x(fc.x, off), dx(numel, off), dw(c, off), db(c, off);
        const std::span<float> out = fc.alias == Alias::OutputIsX    ? x.span()
                                     : fc.alias == Alias::OutputIsDy ? dy.span()
                                                                     : dx.span();
        const Gradients g{fc.want_dx ? out : std::span<float>(),
                          fc.want_dweight ? dw.span() : std::span<float>(),
                          fc.want_dbias ? db.span() : std::span<float>()};
        if (fc.op == Op::BackwardTraining) {
          backward_training(dy.span(), x.span(), s, params, mean.span(), second.span(), g);
        } else {
          backward_inference(dy.span(), x.span(), s, params, mean.span(), second.span(), g);
        }
        if (fc.want_dx) r.outputs.push_back({"dx", copy(out), false});
        if (fc.want_dweight) r.outputs.push_back({"dweight", copy(dw.span()), true});
        if (fc.want_dbias) r.outputs.push_back({"dbias", copy(db.span()), true});
        break;
      }
    }
  } catch (const std::invalid_argument& e) {
    r.threw = true;
    r.message = e.what();
  }
  return r;
}

template <class F>
void for_each_in_channel(const Shape& s, std::size_t c, F&& f) {
  for (std::size_t n = 0; n < s.n; ++n)
    for (std::size_t i = 0; i < s.s; ++i)
      f(s.layout == Layout::ChannelsFirst ? (n * s.c + c) * s.s + i : (n * s.s + i) * s.c + c);
}

// Which comparisons an input allows: its value (Values), its class only, or none (Skip).
enum class Domain { Values, Classes, Skip };
Domain worst(Domain a, Domain b) {
  return std::max(a, b);
}
Domain classify(float v, bool inf_keeps_classes) {
  if (std::isnan(v)) return Domain::Classes;
  if (std::isinf(v)) return inf_keeps_classes ? Domain::Classes : Domain::Skip;
  return b::input_in_domain(v) ? Domain::Values : Domain::Skip;
}
// running_var / save_invstd style inputs: must be ≥ 0 and leave var + eps finite in float.
Domain classify_variance(float v, float eps) {
  if (std::isnan(v)) return Domain::Classes;
  if (!std::isfinite(v) || v < 0 || double(v) + double(eps) > 0x1p127) return Domain::Skip;
  return Domain::Values;
}

// A finite coefficient the kernels form in float (γ·inv, …) that would overflow or underflow there:
// even classes can differ then (Inf·0 = NaN where the double reference has Inf·tiny = Inf).
Domain coefficient(double v) {
  return std::isfinite(v) && !b::coefficient_in_domain(v) ? Domain::Skip : Domain::Values;
}

// |reference output| for the u·|result| terms of a bound. A finite computation whose result
// overflowed float is counted as FLT_MAX, not ∞: an infinite bound would be read as "compare
// classes only", although the other terms of the bound decide whether float determines it.
double magnitude(float ref) {
  return std::isinf(ref) ? double(std::numeric_limits<float>::max()) : std::fabs(double(ref));
}

// (x − μ)·γ·inv near or past FLT_MAX: the kernels' float product may be ±Inf where the double
// reference's is finite, and Inf + β (or the ReLU of Inf − Inf = NaN) then decides nothing.
// Only finite operands: an infinite x or γ gives the same classes in float and double.
bool normalized_may_overflow(double xmu_abs, double scale_abs) {
  return std::isfinite(xmu_abs) && std::isfinite(scale_abs) && xmu_abs * scale_abs >= 0x1p127;
}

float param_or(const std::vector<float>& p, std::size_t c, float absent) {
  return p.empty() ? absent : p[c];
}

// x over one channel: its domain, max |finite value|, and mean and biased variance in double.
struct ChannelData {
  Domain domain = Domain::Values;
  double max_abs = 0, mean = 0, var = 0;
};
ChannelData channel_data(const Shape& s, const std::vector<float>& x, std::size_t c) {
  ChannelData d;
  double sum = 0;
  for_each_in_channel(s, c, [&](std::size_t i) {
    d.domain = worst(d.domain, classify(x[i], true));
    if (std::isfinite(x[i])) d.max_abs = std::max(d.max_abs, std::fabs(double(x[i])));
    sum += x[i];
  });
  const double m = double(s.per_channel());
  d.mean = sum / m;
  double sq = 0;
  for_each_in_channel(s, c, [&](std::size_t i) { sq += (x[i] - d.mean) * (x[i] - d.mean); });
  d.var = sq / m;
  return d;
}

const Output* find(const Result& r, std::string_view name) {
  for (const Output& o : r.outputs)
    if (name == o.name) return &o;
  return nullptr;
}

using Tolerances = std::vector<std::vector<double>>;  // one per output, like Result::outputs

Tolerances tolerances_for(const Result& ref) {
  Tolerances t;
  for (const Output& o : ref.outputs) t.emplace_back(o.values.size(), kSkip);
  return t;
}

std::vector<double>* tolerance(Tolerances& t, const Result& ref, std::string_view name) {
  for (std::size_t i = 0; i < ref.outputs.size(); ++i)
    if (name == ref.outputs[i].name) return &t[i];
  return nullptr;
}

// batch_moments and forward_training: the batch statistics and the normalized output.
Tolerances training_tolerances(const FuzzCase& fc, const Result& ref) {
  const Shape& s = fc.shape;
  const std::size_t m = s.per_channel();
  Tolerances t = tolerances_for(ref);
  const bool moments_only = fc.op == Op::BatchMoments;
  const Output& mean_out = *find(ref, moments_only ? "mean" : "save_mean");
  std::vector<double>* t_mean = tolerance(t, ref, moments_only ? "mean" : "save_mean");
  std::vector<double>* t_var = tolerance(t, ref, moments_only ? "var" : "batch_var");
  std::vector<double>* t_invstd = tolerance(t, ref, "save_invstd");
  std::vector<double>* t_y = tolerance(t, ref, "y");
  const Output* y = find(ref, "y");

  for (std::size_t c = 0; c < s.c; ++c) {
    const ChannelData d = channel_data(s, fc.x, c);
    const b::MomentBounds mb = b::moment_bounds(m, d.max_abs, d.mean, d.var);
    const double eps = fc.eps, inv = 1 / std::sqrt(d.var + eps);
    const double inv_rel = b::invstd_relative_bound(d.var, mb.var, eps);
    const bool var_fits = d.var + eps <= 0x1p127;  // var + eps stays finite in float
    if (d.domain == Domain::Values && var_fits) {
      (*t_mean)[c] = mb.mean;
      if (t_var) (*t_var)[c] = mb.var;
      if (t_invstd) (*t_invstd)[c] = std::isinf(inv_rel) ? kClass : inv * (inv_rel + b::u);
    } else if (d.domain == Domain::Classes) {
      (*t_mean)[c] = kClassInfMayBeNaN;
      if (t_var) (*t_var)[c] = kClass;
      if (t_invstd) (*t_invstd)[c] = kClass;
    }
    if (!t_y) continue;

    const float gamma = param_or(fc.weight, c, 1.f), beta = param_or(fc.bias, c, 0.f);
    const double scale = std::fabs(double(gamma)) * inv;
    Domain dy = worst(worst(d.domain, worst(classify(gamma, false), classify(beta, false))),
                      worst(coefficient(scale), coefficient(inv)));
    if (dy == Domain::Values && !var_fits) dy = Domain::Skip;
    if (dy == Domain::Values && std::isinf(inv_rel)) dy = Domain::Classes;
    const double mu = mean_out.values[c];  // the float mean the reference normalized with
    for_each_in_channel(s, c, [&](std::size_t i) {
      if (dy != Domain::Skip && normalized_may_overflow(std::fabs(fc.x[i] - mu), scale)) {
        (*t_y)[i] = kSkip;
        return;
      }
      if (dy != Domain::Values) {
        (*t_y)[i] = dy == Domain::Classes ? kClass : kSkip;
        return;
      }
      (*t_y)[i] = b::normalize_bound(scale, mb.mean, inv_rel, std::fabs(fc.x[i] - mu),
                                     std::fabs(double(beta)), magnitude(y->values[i]));
    });
  }
  return t;
}

Tolerances inference_tolerances(const FuzzCase& fc, const Stats& st, const Result& ref) {
  const Shape& s = fc.shape;
  Tolerances t = tolerances_for(ref);
  std::vector<double>& t_y = *tolerance(t, ref, "y");
  const Output& y = *find(ref, "y");
  for (std::size_t c = 0; c < s.c; ++c) {
    const float gamma = param_or(fc.weight, c, 1.f), beta = param_or(fc.bias, c, 0.f);
    const float rm = st.mean[c], rv = st.second[c];
    // The running mean is exact here (no statistics computed), so x − rm is zero in float exactly
    // when it is in double, and an infinite γ or β keeps the classes.
    Domain dc = worst(worst(classify(gamma, true), classify(beta, true)),
                      worst(classify(rm, false), classify_variance(rv, fc.eps)));
    const double inv = 1 / std::sqrt(double(rv) + double(fc.eps));
    const double scale = std::fabs(double(gamma)) * inv;
    dc = worst(dc, worst(coefficient(inv), coefficient(scale)));
    const double inv_rel = b::invstd_relative_bound(rv, 0, fc.eps);
    for_each_in_channel(s, c, [&](std::size_t i) {
      Domain d = worst(dc, classify(fc.x[i], true));
      if (normalized_may_overflow(std::fabs(double(fc.x[i]) - rm), scale)) d = Domain::Skip;
      if (d != Domain::Values) {
        t_y[i] = d == Domain::Classes ? kClass : kSkip;
        return;
      }
      t_y[i] = b::normalize_bound(scale, 0, inv_rel, std::fabs(double(fc.x[i]) - rm),
                                  std::fabs(double(beta)), magnitude(y.values[i]));
    });
  }
  return t;
}

Tolerances backward_tolerances(const FuzzCase& fc, const Stats& st, const Result& ref) {
  const Shape& s = fc.shape;
  const std::size_t m = s.per_channel();
  const bool training = fc.op == Op::BackwardTraining;
  Tolerances t = tolerances_for(ref);
  std::vector<double>* t_dx = tolerance(t, ref, "dx");
  std::vector<double>* t_dw = tolerance(t, ref, "dweight");
  std::vector<double>* t_db = tolerance(t, ref, "dbias");
  const Output* dx = find(ref, "dx");
  const Output* dw = find(ref, "dweight");

  for (std::size_t c = 0; c < s.c; ++c) {
    const float gamma = param_or(fc.weight, c, 1.f), beta = param_or(fc.bias, c, 0.f);
    const double mu = st.mean[c];
    // Training: invstd is given (save_invstd); eval: formed in float from the running variance.
    Domain dc = worst(
        worst(classify(gamma, false), classify(beta, false)),
        worst(classify(st.mean[c], false),
              training ? classify(st.second[c], false) : classify_variance(st.second[c], fc.eps)));
    const double inv =
        training ? double(st.second[c]) : 1 / std::sqrt(double(st.second[c]) + double(fc.eps));
    const double inv_rel = training ? 0 : b::invstd_relative_bound(st.second[c], 0, fc.eps);
    const double a = double(gamma) * inv;  // dx = a·dy' in eval mode

    // The reference's ReLU mask, the sums and their worst-case error terms, in double.
    double sum_dy = 0, sum_abs_dy = 0, sum_dyx = 0, sum_abs_dyx = 0, amb_dy = 0, amb_dyx = 0;
    Domain data = Domain::Values;
    bool ambiguous_special = false;  // an ambiguous mask over a NaN/Inf gradient
    for_each_in_channel(s, c, [&](std::size_t i) {
      data = worst(data, worst(classify(fc.x[i], true), classify(fc.dy[i], true)));
      const double xmu = fc.x[i] - mu, pre = xmu * inv * gamma + beta;
      const bool pass = !fc.relu || pre > 0;
      const bool amb = fc.relu && b::relu_mask_ambiguous(pre, std::fabs(xmu * inv * gamma),
                                                         std::fabs(double(beta)));
      const double g = pass ? double(fc.dy[i]) : 0.0;
      sum_dy += g;
      sum_abs_dy += std::fabs(g);
      sum_dyx += g * xmu;
      sum_abs_dyx += std::fabs(g * xmu);
      if (amb) {
        ambiguous_special |= !std::isfinite(fc.dy[i]);
        amb_dy += std::fabs(double(fc.dy[i]));
        amb_dyx += std::fabs(fc.dy[i] * xmu);
      }
    });
    if (ambiguous_special) data = Domain::Skip;
    const double e_dy = b::sum_bound(m, sum_abs_dy, sum_dy, amb_dy);
    const double e_dyx = b::sum_bound(m, sum_abs_dyx, sum_dyx, amb_dyx);
    const double mean_dy = sum_dy / double(m), mean_dyx = sum_dyx / double(m);
    const double c_coef = a * mean_dy, b_coef = a * inv * inv * mean_dyx;
    for (double v : {inv, a, a * inv, a * inv * inv, c_coef, b_coef})
      dc = worst(dc, coefficient(v));
    const Domain sums = worst(dc, data);
    auto tol_for = [](Domain d, double value_bound) {
      return d == Domain::Values ? value_bound : d == Domain::Classes ? kClass : kSkip;
    };
    if (t_db) (*t_db)[c] = tol_for(sums, e_dy);
    if (t_dw)
      // The product Σ·inv is rounded once more, also when the sum is only ambiguous terms
      // (the reference's dweight is then 0 and 2u·|dweight| would cover nothing).
      (*t_dw)[c] = tol_for(sums, e_dyx * std::fabs(inv) * (1 + inv_rel + 2 * b::u) +
                                     2 * b::u * magnitude(dw->values[c]) + b::tau);
    if (!t_dx) continue;

    for_each_in_channel(s, c, [&](std::size_t i) {
      const double xmu = fc.x[i] - mu, pre = xmu * inv * gamma + beta;
      const bool pass = !fc.relu || pre > 0;
      const bool amb = fc.relu && b::relu_mask_ambiguous(pre, std::fabs(xmu * inv * gamma),
                                                         std::fabs(double(beta)));
      // Training-mode dx depends on the whole channel (its sums); eval-mode dx on this element,
      // which an ambiguous mask over a NaN/Inf gradient leaves undetermined.
      Domain d =
          training ? sums : worst(dc, worst(classify(fc.x[i], true), classify(fc.dy[i], true)));
      if (amb && !std::isfinite(fc.dy[i])) d = Domain::Skip;
      if (d != Domain::Values) {
        (*t_dx)[i] = tol_for(d, 0);
        return;
      }
      const double a_dy = std::fabs(a * (pass ? fc.dy[i] : 0.0));
      const double amb_term = amb ? std::fabs(a * fc.dy[i]) : 0.0;
      const double ref = magnitude(dx->values[i]);
      (*t_dx)[i] = training ? b::grad_input_training_bound(std::fabs(a), inv, m, e_dy, e_dyx,
                                                           std::fabs(xmu), a_dy, std::fabs(c_coef),
                                                           std::fabs(b_coef * xmu), ref, amb_term)
                            : (inv_rel + 2 * b::u) * a_dy + b::u * ref + amb_term + 2 * b::tau;
    });
  }
  return t;
}

// Values agree within tol; see the k* constants for the special tolerances.
bool agrees(float ref, float got, double tol) {
  if (std::isnan(tol)) return true;
  // A value bound beyond float's range: the float computation does not determine the result
  // (e.g. a tiny Σdy·(x − μ) left after cancelling huge terms), it may even overflow.
  if (std::isfinite(tol) && tol >= 0x1p126) return true;
  if (std::isnan(ref) || std::isnan(got))
    return (std::isnan(ref) && std::isnan(got)) ||
           (tol == kClassInfMayBeNaN && std::isinf(ref) && std::isnan(got));
  if (std::isinf(ref) || std::isinf(got)) {
    if (std::isinf(ref) && std::isinf(got)) return ref == got;
    // Rounding at the edge of the range: one side overflowed, the other is just below FLT_MAX.
    const float finite = std::isinf(ref) ? got : ref, infinite = std::isinf(ref) ? ref : got;
    return std::signbit(finite) == std::signbit(infinite) && std::fabs(finite) >= 0x1p126f;
  }
  return std::fabs(double(ref) - double(got)) <= std::fabs(tol);
}

std::size_t channel_of(const Shape& s, const Output& o, std::size_t i) {
  if (o.per_channel) return i;
  return s.layout == Layout::ChannelsFirst ? (i / s.s) % s.c : i % s.c;
}

std::string where(const Shape& s, const Output& o, std::size_t i) {
  if (o.per_channel) return "channel " + std::to_string(i);
  const bool first = s.layout == Layout::ChannelsFirst;
  const std::size_t n = first ? i / (s.c * s.s) : i / (s.s * s.c);
  const std::size_t pos = first ? i % s.s : (i / s.c) % s.s;
  return "index " + std::to_string(i) + " (n " + std::to_string(n) + ", c " +
         std::to_string(channel_of(s, o, i)) + ", s " + std::to_string(pos) + ")";
}

// The inputs behind one output element, for the failure message.
std::string inputs_at(const FuzzCase& fc, const Stats& st, const Output& o, std::size_t i) {
  const std::size_t c = channel_of(fc.shape, o, i);
  char text[256];
  std::snprintf(text, sizeof text, "gamma %.9g beta %.9g mean %.9g var/invstd %.9g",
                param_or(fc.weight, c, 1.f), param_or(fc.bias, c, 0.f), st.mean[c], st.second[c]);
  std::string s = text;
  if (!o.per_channel) {
    std::snprintf(text, sizeof text, " x %.9g", fc.x[i]);
    s += text;
    if (!fc.dy.empty()) {
      std::snprintf(text, sizeof text, " dy %.9g", fc.dy[i]);
      s += text;
    }
  }
  return s;
}

[[noreturn]] void fail(const FuzzCase& fc, std::string_view isa, const std::string& what) {
  std::fprintf(stderr, "simdnorm fuzz: ISA %.*s disagrees with scalar on %s: %s\n", int(isa.size()),
               isa.data(), fc.describe().c_str(), what.c_str());
  std::abort();
}

void compare(const FuzzCase& fc, const Stats& st, std::string_view isa, const Result& ref,
             const Result& got, const Tolerances& tol) {
  if (ref.threw != got.threw || ref.message != got.message)
    fail(fc, isa, "exception \"" + ref.message + "\" vs \"" + got.message + "\"");
  for (std::size_t k = 0; k < ref.outputs.size(); ++k) {
    const Output &r = ref.outputs[k], &g = got.outputs[k];
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      if (agrees(r.values[i], g.values[i], tol[k][i])) continue;
      char text[160];
      std::snprintf(text, sizeof text, "expected %.9g, got %.9g, tolerance %.3g", r.values[i],
                    g.values[i], tol[k][i]);
      fail(fc, isa,
           std::string(r.name) + " at " + where(fc.shape, r, i) + ": " + text +
               " (inputs: " + inputs_at(fc, st, r, i) + ")");
    }
  }
}

// N·S = 0 is a no-op: per-channel outputs untouched, parameter gradients zeroed.
void check_no_op(const FuzzCase& fc, std::string_view isa, const Result& r) {
  if (r.threw) fail(fc, isa, "N·S = 0 threw \"" + r.message + "\"");
  for (const Output& o : r.outputs) {
    const bool zeroed =
        std::string_view(o.name) == "dweight" || std::string_view(o.name) == "dbias";
    for (std::size_t i = 0; i < o.values.size(); ++i) {
      const bool ok = zeroed ? o.values[i] == 0.f
                             : std::bit_cast<std::uint32_t>(o.values[i]) ==
                                   std::bit_cast<std::uint32_t>(kSentinel);
      if (!ok)
        fail(fc, isa, std::string("N·S = 0 wrote ") + o.name + " at " + where(fc.shape, o, i));
    }
  }
}

// The statistics backward_training sees: what the reference forward_training saves (callers'
// normal use) when N·S > 1 and the case asks for it, else the decoded arrays as they are.
Stats stats_for(const FuzzCase& fc) {
  Stats st{fc.stat_mean, fc.stat_var_or_invstd};
  if (fc.op != Op::BackwardTraining || !fc.stats_from_forward || fc.shape.per_channel() < 2)
    return st;
  std::vector<float> y(fc.shape.numel());
  forward_training(fc.x, fc.shape, {fc.weight, fc.bias, fc.eps, fc.relu}, y, st.mean, st.second);
  return st;
}

}  // namespace

void check_isa_agreement(const FuzzCase& fc) {
  set_isa("scalar");
  const Stats stats = stats_for(fc);
  const Result ref = run(fc, stats);
  const bool no_op = fc.shape.per_channel() == 0;
  if (no_op) check_no_op(fc, "scalar", ref);

  Tolerances tol;
  if (!ref.threw && !no_op) {
    switch (fc.op) {
      case Op::BatchMoments:
      case Op::ForwardTraining:
        tol = training_tolerances(fc, ref);
        break;
      case Op::ForwardInference:
        tol = inference_tolerances(fc, stats, ref);
        break;
      case Op::BackwardTraining:
      case Op::BackwardInference:
        tol = backward_tolerances(fc, stats, ref);
        break;
    }
  }
  for (std::string_view isa : available_isas()) {
    if (isa == "scalar") continue;
    set_isa(isa);
    const Result got = run(fc, stats);
    if (no_op) {
      check_no_op(fc, isa, got);
    } else {
      compare(fc, stats, isa, ref, got, tol);
    }
  }
}

}  // namespace simdnorm::fuzz
