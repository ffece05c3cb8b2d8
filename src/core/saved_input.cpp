#include "core/saved_input.hpp"

#include <cstdint>

#include "core/parallel.hpp"
#include "core/validate.hpp"

namespace simdnorm::detail {

ForwardInput keep_input(std::vector<float>& storage, std::size_t& offset, std::span<const float> x,
                        std::span<const float> y) {
  constexpr std::size_t page = 4096 / sizeof(float);
  storage.resize(x.size() + page - 1);
  const auto index = [](const float* p) {
    return reinterpret_cast<std::uintptr_t>(p) / sizeof(float);
  };
  offset = (index(y.data()) + page / 2 - index(storage.data())) % page;
  const std::span<float> copy = std::span<float>(storage).subspan(offset, x.size());
  if (x.data() == y.data() || !overlap(x, y)) return {x, copy};
  parallel_copy(x, copy);
  return {copy, {}};
}

}  // namespace simdnorm::detail
