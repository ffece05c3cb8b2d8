// simdnorm_bench: Google Benchmark entry point. Registers, shape by shape, the memcpy baseline,
// simdnorm on every ISA and oneDNN (when built with it), so neighbours in the output ran close
// together in time. All Google Benchmark flags apply (--benchmark_filter=..., --benchmark_out=...).

#include "bench_tensors.hpp"
#include "cpu_model.hpp"

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
  benchmark::AddCustomContext("simdnorm_isas", simdnorm_isa_order());
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("cpu_model", cpu_model());
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
