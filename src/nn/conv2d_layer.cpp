#include "nn/conv2d_layer.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/parallel.hpp"
#include "nn/parallel_matmul.hpp"
#include "nn/torch_init.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn {

Conv2d::Options Conv2d::parse(const LayerSpec& spec) {
  SpecArgs args(spec);
  Options o;
  o.in_channels = args.integer("inChannels", 1);
  o.out_channels = args.integer("outChannels", 1);
  o.kernel_size = args.integer("kernelSize", 1);
  o.stride = args.integer("stride", 1, 1);
  o.padding = args.integer("padding", 0, 0);
  o.bias = args.flag("bias", true);
  args.finish();
  return o;
}

SampleShape Conv2d::output_shape_for(const Options& o, const SampleShape& in) {
  if (in.rank != 3)
    throw Error(ErrorCode::shape,
                "input: expected [channels, height, width], given " + to_string(in));
  if (o.in_channels != in[0])
    throw Error(ErrorCode::shape, "inChannels: expected " + std::to_string(in[0]) +
                                      " (the input's channels), given " +
                                      std::to_string(o.in_channels));
  const std::size_t reach = std::min(in[1], in[2]) + 2 * o.padding;
  if (o.kernel_size > reach)
    throw Error(ErrorCode::shape, "kernelSize: expected at most " + std::to_string(reach) +
                                      " (the padded input " + to_string(in) + " with padding " +
                                      std::to_string(o.padding) + "), given " +
                                      std::to_string(o.kernel_size));
  const ConvGeometry g{in[0], in[1], in[2], o.kernel_size, o.stride, o.padding};
  const double col_rows = double(in[0]) * double(o.kernel_size) * double(o.kernel_size);
  check_tensor_floats("outChannels", double(o.out_channels) * col_rows,
                      "the weight [outChannels, inChannels, kernelSize, kernelSize]");
  check_tensor_floats("kernelSize", col_rows * double(g.out_height()) * double(g.out_width()),
                      "one sample's im2col matrix");
  check_tensor_floats("outChannels",
                      double(o.out_channels) * double(g.out_height()) * double(g.out_width()),
                      "the output of one sample");
  return SampleShape::of({o.out_channels, g.out_height(), g.out_width()});
}

Conv2d::Conv2d(const Options& options, const SampleShape& in)
    : Layer(in, output_shape_for(options, in)),
      options_(options),
      geometry_{in[0], in[1], in[2], options.kernel_size, options.stride, options.padding},
      weight_(options.out_channels * geometry_.col_rows()),
      bias_(options.bias ? options.out_channels : 0),
      weight_grad_(weight_.size()),
      bias_grad_(bias_.size()) {}

namespace {

// Most sample groups, and the floats their column matrices and partial gradients may take
// together (32 MiB): beyond either, larger groups cost less than more parallelism gives.
constexpr std::size_t kMaxSampleGroups = 32;
constexpr std::size_t kGroupScratchFloats = std::size_t(8) << 20;

}  // namespace

std::size_t Conv2d::group_floats() const {
  return geometry_.col_rows() * geometry_.col_cols() +
         options_.out_channels * (geometry_.col_rows() + 1);
}

std::size_t Conv2d::sample_groups(std::size_t n) const {
  // Each group is one task on the pool with at least a quarter of the matmul cut-over's work, as
  // a block of ParallelMatmul has. A function of the shape alone, never of the thread count.
  const std::size_t macs = n * options_.out_channels * geometry_.col_rows() * geometry_.col_cols();
  const std::size_t g = std::min({n, kMaxSampleGroups, macs / (kernels::kMinParallelMacs / 4),
                                  kGroupScratchFloats / group_floats()});
  return std::max<std::size_t>(g, 1);
}

WorkspaceSize Conv2d::workspace_size(std::size_t n) const {
  // One sample's column matrix at a time per group (the whole batch's would be k² times its
  // input), and with several groups each group's partial weight and bias gradients.
  const std::size_t groups = sample_groups(n);
  return {0, groups == 1 ? geometry_.col_rows() * geometry_.col_cols() : groups * group_floats()};
}

template <class F>
void Conv2d::for_sample_groups(std::size_t n, F&& group) const {
  // One group: the samples in order on the calling thread, each product cut on the pool by
  // ParallelMatmul. Several: each group on its own task, its products whole (nested tasks run
  // inline), group g taking samples [g·n/G, (g+1)·n/G).
  const std::size_t groups = sample_groups(n);
  detail::parallel_for(groups,
                       [&](std::size_t g) { group(g, g * n / groups, (g + 1) * n / groups); });
}

void Conv2d::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode,
                     LayerWorkspace ws) {
  const std::size_t in = input_shape().size(), out = output_shape().size();
  const std::size_t rows = geometry_.col_rows(), cols = geometry_.col_cols();
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  for_sample_groups(n, [&](std::size_t g, std::size_t s0, std::size_t s1) {
    float* col = ws.scratch.data() + g * group_floats();
    for (std::size_t s = s0; s < s1; ++s) {
      float* ys = y.data() + s * out;
      im2col(x.data() + s * in, geometry_, col);
      if (options_.bias)
        for (std::size_t o = 0; o < options_.out_channels; ++o)
          std::fill(ys + o * cols, ys + (o + 1) * cols, bias_[o]);
      k.nn(options_.out_channels, cols, rows, weight_.data(), rows, col, cols, ys, cols,
           options_.bias);
    }
  });
}

void Conv2d::backward(std::span<const float> x, std::span<const float>, std::span<const float> dy,
                      std::size_t n, std::span<float> dx, LayerWorkspace ws) {
  const std::size_t in = input_shape().size(), out = output_shape().size();
  const std::size_t rows = geometry_.col_rows(), cols = geometry_.col_cols();
  const std::size_t oc = options_.out_channels;
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  const std::size_t groups = sample_groups(n);
  // Group g's partial gradients follow its column matrix; one group writes the layer's own.
  const auto weight_grad = [&](std::size_t g) {
    return groups == 1 ? weight_grad_.data() : ws.scratch.data() + g * group_floats() + rows * cols;
  };
  const auto bias_grad = [&](std::size_t g) {
    return groups == 1 ? bias_grad_.data() : weight_grad(g) + oc * rows;
  };
  for_sample_groups(n, [&](std::size_t g, std::size_t s0, std::size_t s1) {
    float* col = ws.scratch.data() + g * group_floats();
    float* dw = weight_grad(g);
    float* db = bias_grad(g);
    std::fill(dw, dw + oc * rows, 0.f);
    if (options_.bias) std::fill(db, db + oc, 0.f);
    for (std::size_t s = s0; s < s1; ++s) {
      const float* dys = dy.data() + s * out;
      // dW[oc, rows] += dy_s[oc, cols]·col_sᵀ
      im2col(x.data() + s * in, geometry_, col);
      k.nt(oc, rows, cols, dys, cols, col, cols, dw, rows, true);
      if (options_.bias)
        for (std::size_t o = 0; o < oc; ++o) {
          float sum = 0;
          for (std::size_t q = 0; q < cols; ++q) sum += dys[o * cols + q];
          db[o] += sum;
        }
      if (!dx.empty()) {
        // dcol[rows, cols] = Wᵀ·dy_s, scattered back onto the input positions.
        k.tn(rows, cols, oc, weight_.data(), rows, dys, cols, col, cols, false);
        col2im(col, geometry_, dx.data() + s * in);
      }
    }
  });
  if (groups == 1) return;
  // The groups' partial sums merged in group order: the same bits on any thread count.
  std::copy(weight_grad(0), weight_grad(0) + oc * rows, weight_grad_.begin());
  if (options_.bias) std::copy(bias_grad(0), bias_grad(0) + oc, bias_grad_.begin());
  for (std::size_t g = 1; g < groups; ++g) {
    const float* dw = weight_grad(g);
    for (std::size_t i = 0; i < oc * rows; ++i) weight_grad_[i] += dw[i];
    if (options_.bias)
      for (std::size_t o = 0; o < oc; ++o) bias_grad_[o] += bias_grad(g)[o];
  }
}

std::vector<Parameter> Conv2d::parameters() {
  std::vector<Parameter> p;
  const std::size_t ks = options_.kernel_size;
  p.push_back(
      {"weight", {options_.out_channels, options_.in_channels, ks, ks}, weight_, weight_grad_});
  if (options_.bias) p.push_back({"bias", {options_.out_channels}, bias_, bias_grad_});
  return p;
}

void Conv2d::reset_parameters(Rng& rng) {
  const double bound = default_init_bound(geometry_.col_rows());  // fan_in = in·k·k
  fill_uniform(weight_, bound, rng);
  fill_uniform(bias_, bound, rng);
}

}  // namespace simdnorm::nn
