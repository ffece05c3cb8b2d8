#include "nn/linear_layer.hpp"

#include <algorithm>
#include <stdexcept>

#include "nn/parallel_matmul.hpp"
#include "nn/torch_init.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn {

Linear::Options Linear::parse(const LayerSpec& spec) {
  SpecArgs args(spec);
  Options o;
  o.in_features = args.integer("inFeatures", 1);
  o.out_features = args.integer("outFeatures", 1);
  o.bias = args.flag("bias", true);
  args.finish();
  return o;
}

SampleShape Linear::output_shape_for(const Options& o, const SampleShape& in) {
  const std::size_t last = in.rank ? in[in.rank - 1] : 0;
  if (in.rank == 0 || last != o.in_features)
    throw Error(ErrorCode::shape, "inFeatures: expected " + std::to_string(last) +
                                      " (the last dimension of the input " + to_string(in) +
                                      "), given " + std::to_string(o.in_features));
  check_tensor_floats("outFeatures", double(o.out_features) * double(o.in_features),
                      "the weight [outFeatures, inFeatures]");
  SampleShape out = in;
  out.dims[in.rank - 1] = o.out_features;
  check_tensor_floats("outFeatures", double(in.size() / last) * double(o.out_features),
                      "the output of one sample");
  return out;
}

Linear::Linear(const Options& options, const SampleShape& in)
    : Layer(in, output_shape_for(options, in)),
      options_(options),
      rows_per_sample_(in.size() / options.in_features),
      weight_(options.out_features * options.in_features),
      bias_(options.bias ? options.out_features : 0),
      weight_grad_(weight_.size()),
      bias_grad_(bias_.size()) {}

void Linear::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode,
                     LayerWorkspace) {
  const std::size_t rows = n * rows_per_sample_, in = options_.in_features,
                    out = options_.out_features;
  if (options_.bias)
    for (std::size_t r = 0; r < rows; ++r)
      std::copy(bias_.begin(), bias_.end(), y.begin() + std::ptrdiff_t(r * out));
  kernels::active_parallel_matmul().nt(rows, out, in, x.data(), in, weight_.data(), in, y.data(),
                                       out, options_.bias);
}

void Linear::backward(std::span<const float> x, std::span<const float>, std::span<const float> dy,
                      std::size_t n, std::span<float> dx, LayerWorkspace) {
  const std::size_t rows = n * rows_per_sample_, in = options_.in_features,
                    out = options_.out_features;
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  // dW[out, in] = dyᵀ·x; dx[rows, in] = dy·W.
  k.tn(out, in, rows, dy.data(), out, x.data(), in, weight_grad_.data(), in, false);
  if (options_.bias) {
    std::fill(bias_grad_.begin(), bias_grad_.end(), 0.f);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t o = 0; o < out; ++o) bias_grad_[o] += dy[r * out + o];
  }
  if (!dx.empty()) k.nn(rows, in, out, dy.data(), out, weight_.data(), in, dx.data(), in, false);
}

std::vector<Parameter> Linear::parameters() {
  std::vector<Parameter> p;
  p.push_back({"weight", {options_.out_features, options_.in_features}, weight_, weight_grad_});
  if (options_.bias) p.push_back({"bias", {options_.out_features}, bias_, bias_grad_});
  return p;
}

void Linear::reset_parameters(Rng& rng) {
  const double bound = default_init_bound(options_.in_features);
  fill_uniform(weight_, bound, rng);
  fill_uniform(bias_, bound, rng);
}

}  // namespace simdnorm::nn
