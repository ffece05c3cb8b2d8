// simdnorm_bench: Google Benchmark entry point. Registers, shape by shape, the memcpy baseline,
// simdnorm on every ISA and oneDNN (when built with it), so neighbours in the output ran close
// together in time. All Google Benchmark flags apply (--benchmark_filter=..., --benchmark_out=...).

#include <string>

#include "bench_tensors.hpp"
#include "core/cache_sizes.hpp"
#include "cpu_model.hpp"
#include "kernels/tuning.hpp"

int main(int argc, char** argv) {
  using namespace simdnorm::bench;
  for (const BenchShape& s : bench_shapes()) {
    register_copy_baseline(s);
    register_simdnorm_ops(s);
#if defined(SIMDNORM_BENCH_ONEDNN)
    register_onednn_ops(s);
#endif
  }
  // The variants after the core suite, so its report's neighbours stay as they were.
  for (const BenchShape& s : bench_shapes()) register_variant_ops(s);
  register_thread_ops();
  register_sweep();
  register_offset_ops();
  benchmark::AddCustomContext("simdnorm_isas", simdnorm_isa_order());
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("cpu_model", cpu_model());
  // The caches simdnorm's tuning was derived from (src/core/tuning.cpp), and the result.
  const simdnorm::detail::CacheSizes& c = simdnorm::detail::cache_sizes();
  const simdnorm::kernels::Tuning& t = simdnorm::kernels::tuning();
  const std::string backward =
      t.channel_pass_bytes == std::size_t(-1)
          ? "backward in two whole passes"
          : "backward by channel pieces of " +
                std::to_string(t.channel_piece_floats * sizeof(float) >> 10) + " KiB from x of " +
                std::to_string(t.channel_pass_bytes >> 10) + " KiB";
  benchmark::AddCustomContext(
      "simdnorm_tuning", "L1d " + std::to_string(c.l1d >> 10) + " KiB, L2 " +
                             std::to_string(c.l2 >> 10) + " KiB, L3 " + std::to_string(c.l3 >> 20) +
                             " MiB (" + c.source + "): blocks of " +
                             std::to_string(t.block_floats) + " floats, row chunks of " +
                             std::to_string(t.row_chunk) + " channels, streaming stores beyond " +
                             std::to_string(t.streaming_bytes >> 10) + " KiB, " + backward);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
