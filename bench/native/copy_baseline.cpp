// The bandwidth limit each op is read against: memcpy of one tensor (read + write, 2 streams).

#include <cstring>

#include "bench_tensors.hpp"

namespace simdnorm::bench {

void register_copy_baseline(const BenchShape& s) {
  const std::string name = std::string("copy/memcpy/") + s.layout + "/" + s.id;
  benchmark::RegisterBenchmark(name.c_str(), [s](benchmark::State& state) {
    Tensors& t = tensors_for(s);
    for (auto _ : state) {
      std::memcpy(t.copy_dst.data(), t.x.data(), s.bytes());
      benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(std::int64_t(2 * s.bytes()) * state.iterations());
  });
}

}  // namespace simdnorm::bench
