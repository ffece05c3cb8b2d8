#include "nn/conv2d_layer.hpp"

#include <algorithm>
#include <stdexcept>

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

WorkspaceSize Conv2d::workspace_size(std::size_t) const {
  // One sample's column matrix at a time: the whole batch's would be k² times its input.
  return {0, geometry_.col_rows() * geometry_.col_cols()};
}

void Conv2d::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode,
                     LayerWorkspace ws) {
  const std::size_t in = input_shape().size(), out = output_shape().size();
  const std::size_t rows = geometry_.col_rows(), cols = geometry_.col_cols();
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  float* col = ws.scratch.data();
  for (std::size_t s = 0; s < n; ++s) {
    float* ys = y.data() + s * out;
    im2col(x.data() + s * in, geometry_, col);
    if (options_.bias)
      for (std::size_t o = 0; o < options_.out_channels; ++o)
        std::fill(ys + o * cols, ys + (o + 1) * cols, bias_[o]);
    k.nn(options_.out_channels, cols, rows, weight_.data(), rows, col, cols, ys, cols,
         options_.bias);
  }
}

void Conv2d::backward(std::span<const float> x, std::span<const float>, std::span<const float> dy,
                      std::size_t n, std::span<float> dx, LayerWorkspace ws) {
  const std::size_t in = input_shape().size(), out = output_shape().size();
  const std::size_t rows = geometry_.col_rows(), cols = geometry_.col_cols();
  const std::size_t oc = options_.out_channels;
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  float* col = ws.scratch.data();
  std::fill(weight_grad_.begin(), weight_grad_.end(), 0.f);
  std::fill(bias_grad_.begin(), bias_grad_.end(), 0.f);
  for (std::size_t s = 0; s < n; ++s) {
    const float* dys = dy.data() + s * out;
    // dW[oc, rows] += dy_s[oc, cols]·col_sᵀ
    im2col(x.data() + s * in, geometry_, col);
    k.nt(oc, rows, cols, dys, cols, col, cols, weight_grad_.data(), rows, true);
    if (options_.bias)
      for (std::size_t o = 0; o < oc; ++o) {
        float sum = 0;
        for (std::size_t q = 0; q < cols; ++q) sum += dys[o * cols + q];
        bias_grad_[o] += sum;
      }
    if (!dx.empty()) {
      // dcol[rows, cols] = Wᵀ·dy_s, scattered back onto the input positions.
      k.tn(rows, cols, oc, weight_.data(), rows, dys, cols, col, cols, false);
      col2im(col, geometry_, dx.data() + s * in);
    }
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
