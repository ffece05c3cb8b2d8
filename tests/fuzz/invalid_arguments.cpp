// Property (b): a bad argument combination throws std::invalid_argument with a message in the
// library's format, before writing any output. Wrong sizes are real buffers of the wrong size, so a
// missing check would read or write past them and AddressSanitizer would stop the fuzzer.

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_checks.hpp"
#include "simdnorm/simdnorm.hpp"

namespace simdnorm::fuzz {
namespace {

using limits = std::numeric_limits<float>;

const std::uint32_t kSentinelBits = 0x7fc0beef;

// Exactly-sized buffer; outputs start as a sentinel that must survive a rejected call.
class Buffer {
 public:
  explicit Buffer(std::size_t size, float fill = std::bit_cast<float>(kSentinelBits))
      : storage_(std::make_unique<float[]>(size)), size_(size) {
    std::fill(storage_.get(), storage_.get() + size, fill);
  }
  std::span<float> span() { return {storage_.get(), size_}; }
  bool untouched() const {
    for (std::size_t i = 0; i < size_; ++i)
      if (std::bit_cast<std::uint32_t>(storage_[i]) != kSentinelBits) return false;
    return true;
  }

 private:
  std::unique_ptr<float[]> storage_;
  std::size_t size_;
};

// A count that is not `right`: right ± delta; never 0 when `empty_is_valid` (empty means
// "not wanted" for optional spans, which is valid).
std::size_t wrong_count(FuzzedDataProvider& in, std::size_t right, bool empty_is_valid) {
  const std::size_t delta = in.ConsumeIntegralInRange<std::size_t>(1, 5);
  const bool below = in.ConsumeBool() && delta <= right && !(empty_is_valid && delta == right);
  return below ? right - delta : right + delta;
}

float bad_eps(FuzzedDataProvider& in) {
  return in.PickValueInArray({0.f, -0.f, -1e-5f, -limits::denorm_min(), limits::quiet_NaN(),
                              limits::infinity(), -limits::infinity(), -limits::max()});
}

float bad_momentum(FuzzedDataProvider& in) {
  return in.PickValueInArray({-limits::denorm_min(), -0.1f, 1.0000001f, 2.f, limits::quiet_NaN(),
                              limits::infinity(), -limits::infinity()});
}

[[noreturn]] void fail(const std::string& call, const std::string& what) {
  std::fprintf(stderr, "simdnorm fuzz: %s: %s\n", call.c_str(), what.c_str());
  std::abort();
}

template <class F>
void expect_invalid(const std::string& call, F&& f, std::initializer_list<const Buffer*> outputs) {
  try {
    f();
  } catch (const simdnorm::Error& e) {
    const std::string m = e.what();
    if (m.rfind("simdnorm: ", 0) != 0 || m.find(": expected ") == std::string::npos ||
        m.find(", got ") == std::string::npos)
      fail(call, "message not in the form \"simdnorm: fn: arg: expected …, got …\": " + m);
    for (const Buffer* b : outputs)
      if (!b->untouched()) fail(call, "wrote an output before throwing \"" + m + "\"");
    return;
  } catch (const std::exception& e) {
    fail(call, std::string("threw another exception type: ") + e.what());
  }
  fail(call, "did not throw simdnorm::Error");
}

// The stateless functions, called with every argument right except the ones `corrupt` changes.
struct Call {
  Shape shape;
  std::size_t x, y, dy, mean, var, weight, bias, batch_var, dx, dweight, dbias;
  float eps = 1e-5f;
};

Call right_call(const Shape& s) {
  const std::size_t c = s.c, n = s.numel();
  return {s, n, n, n, c, c, c, c, c, n, c, c};
}

void run_call(int fn, const Call& k) {
  Buffer x(k.x, 1.f), y(k.y), dy(k.dy, 1.f), mean(k.mean, 0.f), var(k.var, 1.f);
  Buffer weight(k.weight, 1.f), bias(k.bias, 0.f), batch_var(k.batch_var), dx(k.dx),
      dweight(k.dweight), dbias(k.dbias), mean_out(k.mean), var_out(k.var);
  const NormParams p{weight.span(), bias.span(), k.eps, false};
  const Gradients g{dx.span(), dweight.span(), dbias.span()};
  const std::string shape = " on shape " + to_string(k.shape);
  switch (fn) {
    case 0:
      expect_invalid("batch_moments" + shape,
                     [&] { batch_moments(x.span(), k.shape, mean_out.span(), var_out.span()); },
                     {&mean_out, &var_out});
      break;
    case 1:
      expect_invalid("forward_training" + shape,
                     [&] {
                       forward_training(x.span(), k.shape, p, y.span(), mean_out.span(),
                                        var_out.span(), batch_var.span());
                     },
                     {&y, &mean_out, &var_out, &batch_var});
      break;
    case 2:
      expect_invalid(
          "forward_inference" + shape,
          [&] { forward_inference(x.span(), k.shape, p, mean.span(), var.span(), y.span()); },
          {&y});
      break;
    case 3:
      expect_invalid(
          "backward_training" + shape,
          [&] { backward_training(dy.span(), x.span(), k.shape, p, mean.span(), var.span(), g); },
          {&dx, &dweight, &dbias});
      break;
    default:
      expect_invalid(
          "backward_inference" + shape,
          [&] { backward_inference(dy.span(), x.span(), k.shape, p, mean.span(), var.span(), g); },
          {&dx, &dweight, &dbias});
      break;
  }
}

void bad_stateless_call(FuzzedDataProvider& in, const Shape& s) {
  const int fn = in.ConsumeIntegralInRange(0, 4);
  const bool forward = fn == 1 || fn == 2, backward = fn >= 3, has_params = fn != 0;
  Call k = right_call(s);
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0:
      k.shape.c = 0;
      break;  // spans keep their sizes: C = 0 must be caught first
    case 1:   // N·C·S overflows size_t
      k.shape.n = std::numeric_limits<std::size_t>::max() / 2 + in.ConsumeIntegral<std::uint8_t>();
      break;
    case 2:
      k.x = wrong_count(in, k.x, false);
      break;
    case 3:
      if (forward)
        k.y = wrong_count(in, k.y, false);
      else if (backward)
        k.dy = wrong_count(in, k.dy, false);
      else
        k.mean = wrong_count(in, k.mean, false);
      break;
    case 4:
      (in.ConsumeBool() ? k.mean : k.var) = wrong_count(in, s.c, false);
      break;
    case 5:  // optional per-channel spans: empty is fine, any other wrong count is not
      if (has_params && in.ConsumeBool()) {
        (in.ConsumeBool() ? k.weight : k.bias) = wrong_count(in, s.c, true);
      } else if (backward) {
        (in.ConsumeBool() ? k.dweight : k.dbias) = wrong_count(in, s.c, true);
      } else if (fn == 1) {
        k.batch_var = wrong_count(in, s.c, true);
      } else {
        k.var = wrong_count(in, s.c, false);
      }
      break;
    case 6:
      if (backward)
        k.dx = wrong_count(in, k.dx, true);
      else
        k.x = wrong_count(in, k.x, false);
      break;
    default:
      if (has_params)
        k.eps = bad_eps(in);
      else
        k.shape.c = 0;
      break;
  }
  run_call(fn, k);
}

void bad_training_batch(FuzzedDataProvider& in, Shape s) {
  // One value per channel: the batch variance would be 0/0 (PyTorch refuses it too).
  s.n = 1;
  s.s = 1;
  const std::size_t c = s.c;
  Buffer x(c, 1.f), y(c), m(c), v(c);
  const std::string shape = " on shape " + to_string(s);
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0:
      expect_invalid("forward_training N·S = 1" + shape,
                     [&] { forward_training(x.span(), s, {}, y.span(), m.span(), v.span()); },
                     {&y, &m, &v});
      break;
    case 1: {
      BatchNorm bn(c);
      expect_invalid("BatchNorm::forward (training) N·S = 1" + shape,
                     [&] { bn.forward(x.span(), s, y.span()); }, {&y});
      break;
    }
    default: {
      BatchNorm bn(c, {.track_running_stats = false});
      bn.eval();  // without running statistics eval mode uses batch statistics too
      expect_invalid("BatchNorm::forward (eval, no running stats) N·S = 1" + shape,
                     [&] { bn.forward(x.span(), s, y.span()); }, {&y});
      break;
    }
  }
}

void bad_running_stats_update(FuzzedDataProvider& in, std::size_t c) {
  std::size_t sizes[4] = {c, c, c, c};
  std::size_t count = 2 + in.ConsumeIntegral<std::uint8_t>();
  float momentum = 0.1f;
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0:
      count = in.ConsumeIntegralInRange<std::size_t>(0, 1);
      break;
    case 1:
      momentum = bad_momentum(in);
      break;
    default: {
      std::size_t& s = sizes[in.ConsumeIntegralInRange(1, 3)];  // sizes are checked against [0]
      s = wrong_count(in, s, false);
      break;
    }
  }
  Buffer mean(sizes[0], 0.f), var(sizes[1], 1.f), running_mean(sizes[2]), running_var(sizes[3]);
  expect_invalid("update_running_stats",
                 [&] {
                   update_running_stats(mean.span(), var.span(), count, momentum,
                                        running_mean.span(), running_var.span());
                 },
                 {&running_mean, &running_var});
}

void bad_module_use(FuzzedDataProvider& in, const Shape& s) {
  const std::size_t c = s.c, n = s.numel();
  Buffer x(n, 1.f), y(n), dy(n, 1.f), dx(n);
  switch (in.ConsumeIntegralInRange(0, 4)) {
    case 0:
      expect_invalid("BatchNorm(0)", [] { BatchNorm bn(0); }, {});
      break;
    case 1: {
      Options o;
      if (in.ConsumeBool())
        o.eps = bad_eps(in);
      else
        o.momentum = bad_momentum(in);
      expect_invalid("BatchNorm(options)", [&] { BatchNorm bn(c, o); }, {});
      break;
    }
    case 2: {
      BatchNorm bn(wrong_count(in, c, true));  // never 0: that would throw right here
      expect_invalid("BatchNorm::forward with shape.c != num_features",
                     [&] { bn.forward(x.span(), s, y.span()); }, {&y});
      break;
    }
    case 3: {
      BatchNorm bn(c);
      expect_invalid("BatchNorm::backward before forward",
                     [&] { bn.backward(dy.span(), dx.span()); }, {&dx});
      break;
    }
    default: {
      BatchNorm bn(c);
      bn.forward(x.span(), s, y.span());
      Buffer short_dy(wrong_count(in, n, false), 1.f), fresh_dx(n);
      expect_invalid("BatchNorm::backward with a dy of the wrong size",
                     [&] { bn.backward(short_dy.span(), fresh_dx.span()); }, {&fresh_dx});
      break;
    }
  }
}

void bad_fold(FuzzedDataProvider& in) {
  std::size_t out = in.ConsumeIntegralInRange<std::size_t>(1, 9);
  std::size_t fan_in = in.ConsumeIntegralInRange<std::size_t>(0, 9);
  std::size_t w = out * fan_in, bias = out, w_out = w, b_out = out, gamma = out, beta = out,
              rm = out, rv = out;
  float eps = 1e-5f;
  switch (in.ConsumeIntegralInRange(0, 6)) {
    case 0:
      out = 0;
      break;
    case 1:
      fan_in = std::numeric_limits<std::size_t>::max() / 2 + 1;
      break;
    case 2:
      w = wrong_count(in, w, false);
      break;
    case 3:
      (in.ConsumeBool() ? bias : gamma) = wrong_count(in, out, true);
      break;
    case 4:
      (in.ConsumeBool() ? rm : rv) = wrong_count(in, out, false);
      break;
    case 5:
      if (in.ConsumeBool()) {
        w_out = wrong_count(in, w, false);
      } else {
        b_out = wrong_count(in, out, false);
      }
      break;
    default:
      eps = bad_eps(in);
      break;
  }
  Buffer wb(w, 0.5f), bb(bias, 0.f), wo(w_out), bo(b_out), g(gamma, 1.f), be(beta, 0.f), m(rm, 0.f),
      v(rv, 1.f);
  const FoldSource bn{g.span(), be.span(), m.span(), v.span(), eps};
  expect_invalid(
      "fold_into_linear",
      [&] { fold_into_linear(wb.span(), bb.span(), out, fan_in, bn, wo.span(), bo.span()); },
      {&wo, &bo});
}

// The BN variants: ghost batches that do not divide N, renorm limits, per-step indices, the fused
// add + ReLU's residual and flags, and the sync primitives' parts and counts.
void bad_variant_use(FuzzedDataProvider& in, const Shape& s) {
  const std::size_t numel = s.numel();
  Buffer x(numel, 1.f), y(numel), z(numel, 0.f), mean(s.c), invstd(s.c);
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0: {  // a ghost batch size that does not divide N
      const std::size_t k = s.n + in.ConsumeIntegralInRange<std::size_t>(1, 5);
      BatchNorm bn(s.c, Options{.virtual_batch_size = k});
      expect_invalid("BatchNorm::forward (ghost)", [&] { bn.forward(x.span(), s, y.span()); },
                     {&y});
      break;
    }
    case 1: {
      const float rmax = in.PickValueInArray({0.f, 0.5f, 0.9999999f, -1.f, limits::quiet_NaN()});
      expect_invalid("BatchNorm(renorm.rmax)",
                     [&] {
                       BatchNorm(s.c, Options{.renorm = Renorm{rmax, 1.f, 0.1f}});
                     },
                     {});
      break;
    }
    case 2: {
      const float dmax =
          in.PickValueInArray({-1e-30f, -1.f, -limits::infinity(), limits::quiet_NaN()});
      expect_invalid("BatchNorm(renorm.dmax)",
                     [&] {
                       BatchNorm(s.c, Options{.renorm = Renorm{2.f, dmax, 0.1f}});
                     },
                     {});
      break;
    }
    case 3: {
      const float m = bad_momentum(in);
      expect_invalid("BatchNorm(renorm.momentum)",
                     [&] {
                       BatchNorm(s.c, Options{.renorm = Renorm{2.f, 1.f, m}});
                     },
                     {});
      break;
    }
    case 4: {  // a training step outside [0, T)
      const std::size_t t = in.ConsumeIntegralInRange<std::size_t>(1, 4);
      StepBatchNorm bn(s.c, t);
      const std::size_t step = t + in.ConsumeIntegralInRange<std::size_t>(0, 3);
      expect_invalid("StepBatchNorm::forward", [&] { bn.forward(x.span(), s, step, y.span()); },
                     {&y});
      break;
    }
    case 5: {  // add + ReLU: a residual of the wrong size, or params.relu set
      const bool relu = in.ConsumeBool();
      Buffer bad_z(relu ? numel : wrong_count(in, numel, false), 0.f);
      expect_invalid("forward_add_relu_training",
                     [&] {
                       forward_add_relu_training(x.span(), bad_z.span(), s,
                                                 NormParams{.relu = relu}, y.span(), mean.span(),
                                                 invstd.span());
                     },
                     {&y, &mean, &invstd});
      break;
    }
    case 6: {  // merge_moments with a part of the wrong width
      Buffer pm(wrong_count(in, s.c, false), 0.f), pv(s.c, 0.f), var(s.c);
      const MomentsPart parts[] = {{s.per_channel(), pm.span(), pv.span()}};
      expect_invalid("merge_moments", [&] { merge_moments(parts, mean.span(), var.span()); },
                     {&mean, &var});
      break;
    }
    default: {  // dx from merged sums with a count smaller than the shard
      Buffer dy(numel, 0.f), sums(s.c, 0.f), dx(numel);
      const std::size_t count = in.ConsumeIntegralInRange<std::size_t>(0, s.per_channel() - 1);
      Buffer im(s.c, 0.f), ii(s.c, 1.f);
      expect_invalid("backward_from_sums",
                     [&] {
                       backward_from_sums(dy.span(), x.span(), s, {}, im.span(), ii.span(),
                                          sums.span(), sums.span(), count, {dx.span(), {}, {}});
                     },
                     {&dx});
      break;
    }
  }
}

void bad_isa(FuzzedDataProvider& in) {
  const std::string isa = in.ConsumeRandomLengthString(12);
  for (std::string_view known : available_isas())
    if (isa == known) return;
  expect_invalid("set_isa(\"" + isa + "\")", [&] { set_isa(isa); }, {});
}

}  // namespace

void check_invalid_arguments(FuzzedDataProvider& in) {
  Shape s;
  s.layout = in.ConsumeBool() ? Layout::ChannelsLast : Layout::ChannelsFirst;
  s.c = in.ConsumeIntegralInRange<std::size_t>(1, 40);
  s.n = in.ConsumeIntegralInRange<std::size_t>(1, 4);
  s.s = in.ConsumeIntegralInRange<std::size_t>(1, 20);
  if (s.per_channel() < 2) s.s = 2;
  switch (in.ConsumeIntegralInRange(0, 6)) {
    case 0:
      bad_stateless_call(in, s);
      break;
    case 1:
      bad_training_batch(in, s);
      break;
    case 2:
      bad_running_stats_update(in, s.c);
      break;
    case 3:
      bad_module_use(in, s);
      break;
    case 4:
      bad_fold(in);
      break;
    case 5:
      bad_variant_use(in, s);
      break;
    default:
      bad_isa(in);
      break;
  }
}

}  // namespace simdnorm::fuzz
