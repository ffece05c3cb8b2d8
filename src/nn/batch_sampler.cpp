#include "nn/batch_sampler.hpp"

#include <string>
#include <utility>

#include "core/validate.hpp"

namespace simdnorm::nn {

BatchSampler::BatchSampler(std::size_t count, std::size_t batch, std::uint32_t seed)
    : rng_(make_rng(seed, Stream::sampler)), order_(count), batch_(batch), pos_(count) {
  if (batch < 2 || batch > count)
    detail::fail(ErrorCode::range, "nn::BatchSampler", "batch",
                 "an integer in [2, " + std::to_string(count) + "] (training points)",
                 std::to_string(batch));
  for (std::size_t i = 0; i < count; ++i) order_[i] = i;
}

void BatchSampler::shuffle() {
  for (std::size_t j = order_.size() - 1; j > 0; --j)
    std::swap(order_[j], order_[rng_.below(j + 1)]);
  pos_ = 0;
}

std::span<const std::size_t> BatchSampler::next() {
  if (pos_ + batch_ > order_.size()) shuffle();
  const std::span<const std::size_t> out(order_.data() + pos_, batch_);
  pos_ += batch_;
  return out;
}

}  // namespace simdnorm::nn
