#include "nn/layer_factory.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include "nn/activation_layer.hpp"
#include "nn/avg_pool2d_layer.hpp"
#include "nn/batch_norm_layer.hpp"
#include "nn/conv2d_layer.hpp"
#include "nn/dropout_layer.hpp"
#include "nn/flatten_layer.hpp"
#include "nn/linear_layer.hpp"
#include "nn/lstm_layer.hpp"
#include "nn/max_pool2d_layer.hpp"
#include "nn/rnn_layer.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn {
namespace {

struct LayerType {
  std::string_view name;
  SampleShape (*output_shape)(const LayerSpec&, const SampleShape&);
  std::unique_ptr<Layer> (*make)(const LayerSpec&, const SampleShape&, Rng);
};

// A layer built from its parsed options and input shape alone.
template <class L>
LayerType parsed_type(std::string_view name) {
  return {name,
          [](const LayerSpec& s, const SampleShape& in) {
            return L::output_shape_for(L::parse(s), in);
          },
          [](const LayerSpec& s, const SampleShape& in, Rng) -> std::unique_ptr<Layer> {
            return std::make_unique<L>(L::parse(s), in);
          }};
}

template <Activation A>
LayerType activation_type(std::string_view name) {
  return {name,
          [](const LayerSpec& s, const SampleShape& in) {
            ActivationLayer::parse(s);
            return in;
          },
          [](const LayerSpec&, const SampleShape& in, Rng) -> std::unique_ptr<Layer> {
            return std::make_unique<ActivationLayer>(A, in);
          }};
}

template <std::size_t SpatialDims>
LayerType batch_norm_type(std::string_view name) {
  return {name,
          [](const LayerSpec& s, const SampleShape& in) {
            return BatchNormLayer::output_shape_for(BatchNormLayer::parse(s), SpatialDims, in);
          },
          [](const LayerSpec& s, const SampleShape& in, Rng) -> std::unique_ptr<Layer> {
            return std::make_unique<BatchNormLayer>(BatchNormLayer::parse(s), SpatialDims, in);
          }};
}

const auto& layer_types() {
  static const std::array types{
      parsed_type<Linear>("linear"),
      parsed_type<Conv2d>("conv2d"),
      LayerType{"maxPool2d",
                [](const LayerSpec& s, const SampleShape& in) {
                  return MaxPool2d::parse(s).output_shape_for(in);
                },
                [](const LayerSpec& s, const SampleShape& in, Rng) -> std::unique_ptr<Layer> {
                  return std::make_unique<MaxPool2d>(MaxPool2d::parse(s), in);
                }},
      LayerType{"avgPool2d",
                [](const LayerSpec& s, const SampleShape& in) {
                  return AvgPool2d::parse(s).window.output_shape_for(in);
                },
                [](const LayerSpec& s, const SampleShape& in, Rng) -> std::unique_ptr<Layer> {
                  return std::make_unique<AvgPool2d>(AvgPool2d::parse(s), in);
                }},
      LayerType{"flatten",
                [](const LayerSpec& s, const SampleShape& in) {
                  Flatten::parse(s);
                  return SampleShape::of({in.size()});
                },
                [](const LayerSpec&, const SampleShape& in, Rng) -> std::unique_ptr<Layer> {
                  return std::make_unique<Flatten>(in);
                }},
      activation_type<Activation::relu>("relu"),
      activation_type<Activation::tanh>("tanh"),
      activation_type<Activation::sigmoid>("sigmoid"),
      LayerType{"dropout",
                [](const LayerSpec& s, const SampleShape& in) {
                  Dropout::parse(s);
                  return in;
                },
                [](const LayerSpec& s, const SampleShape& in, Rng rng) -> std::unique_ptr<Layer> {
                  return std::make_unique<Dropout>(Dropout::parse(s), in, rng);
                }},
      parsed_type<Lstm>("lstm"),
      parsed_type<Rnn>("rnn"),
      batch_norm_type<1>("batchNorm1d"),
      batch_norm_type<2>("batchNorm2d"),
  };
  return types;
}

const LayerType& find_type(std::string_view name) {
  std::string known;
  for (const LayerType& t : layer_types()) {
    if (t.name == name) return t;
    known += known.empty() ? "" : ", ";
    known += t.name;
  }
  throw Error(ErrorCode::range,
              "type: expected one of " + known + ", given '" + std::string(name) + "'");
}

}  // namespace

SampleShape layer_output_shape(const LayerSpec& spec, const SampleShape& in) {
  return find_type(spec.type).output_shape(spec, in);
}

std::unique_ptr<Layer> make_layer(const LayerSpec& spec, const SampleShape& in, Rng rng) {
  return find_type(spec.type).make(spec, in, rng);
}

}  // namespace simdnorm::nn
