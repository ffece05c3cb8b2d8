#include "nn/recurrent_shape.hpp"

#include <algorithm>
#include <string>

#include "simdnorm/error.hpp"

namespace simdnorm::nn {

SampleShape recurrent_output_shape(std::size_t input_size, std::size_t hidden_size,
                                   std::size_t gates, bool return_sequences,
                                   const SampleShape& in) {
  if (in.rank != 2)
    throw Error(ErrorCode::shape, "input: expected [steps, features], given " + to_string(in));
  if (input_size != in[1])
    throw Error(ErrorCode::shape, "inputSize: expected " + std::to_string(in[1]) +
                                      " (the input's features), given " +
                                      std::to_string(input_size));
  check_tensor_floats(
      "hiddenSize", double(gates) * double(hidden_size) * double(std::max(hidden_size, input_size)),
      "the weights");
  check_tensor_floats("hiddenSize", double(in[0]) * double(hidden_size), "a sequence of states");
  return return_sequences ? SampleShape::of({in[0], hidden_size}) : SampleShape::of({hidden_size});
}

}  // namespace simdnorm::nn
