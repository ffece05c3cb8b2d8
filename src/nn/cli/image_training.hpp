#pragma once
// `simdnorm_train --model cnn|mlp --dataset fashion-mnist|mnist ...`: the layer engine on idx
// image data, with progress on stdout and the test accuracy (eval mode) at the end.

namespace simdnorm::nn::cli {

// argv holds the image-training flags (see the usage text it prints for --help). Returns the
// process exit code; throws std::invalid_argument / std::runtime_error for bad flags or data.
int run_image_training(int argc, char** argv);

}  // namespace simdnorm::nn::cli
