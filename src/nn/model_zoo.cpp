#include "nn/model_zoo.hpp"

#include <string>

#include "core/validate.hpp"

namespace simdnorm::nn {

std::vector<LayerSpec> named_model(std::string_view name, bool batch_norm) {
  std::vector<LayerSpec> l;
  if (name == "cnn") {
    std::int64_t in = 1;
    for (const std::int64_t out : {16, 32}) {
      l.push_back({"conv2d",
                   {{"inChannels", in},
                    {"outChannels", out},
                    {"kernelSize", 3},
                    {"padding", 1},
                    {"bias", !batch_norm}}});
      if (batch_norm) l.push_back({"batchNorm2d", {{"numFeatures", out}}});
      l.push_back({"relu", {}});
      l.push_back({"maxPool2d", {{"kernelSize", 2}}});
      in = out;
    }
    l.push_back({"flatten", {}});
    l.push_back({"linear", {{"inFeatures", 32 * 7 * 7}, {"outFeatures", 10}}});
    return l;
  }
  if (name == "mlp") {
    l.push_back({"flatten", {}});
    std::int64_t in = 784;
    for (int i = 0; i < 3; ++i) {
      l.push_back({"linear", {{"inFeatures", in}, {"outFeatures", 100}, {"bias", !batch_norm}}});
      if (batch_norm) l.push_back({"batchNorm1d", {{"numFeatures", 100}}});
      l.push_back({"sigmoid", {}});
      in = 100;
    }
    l.push_back({"linear", {{"inFeatures", 100}, {"outFeatures", 10}}});
    return l;
  }
  std::string given = "'";  // built in steps: GCC 12's -Wrestrict misfires on "'" + string
  given.append(name).append("'");
  detail::fail(ErrorCode::range, "nn::named_model", "name", "cnn or mlp", given);
}

}  // namespace simdnorm::nn
