#pragma once
// Intra-op threads: every batch-norm call (and the layer engine's matrix products) splits large
// tensors over a persistent pool of threads; the calling thread takes part. Results are the same
// bits for any thread count: the split is a fixed function of the shape, never of the threads,
// and partial sums are merged in a fixed order. Tensors below the cut-over (docs/cpp-api.md,
// Threads) run on the calling thread alone.

#include <cstddef>

namespace simdnorm {

// Threads for later calls, the caller included: 0 = the default (the hardware's thread count),
// 1 = no pool at all (every call runs on the calling thread). At most kMaxThreads, else throws
// simdnorm::Error. Without set_num_threads the environment variable SIMDNORM_NUM_THREADS=<n>,
// read once on first use, sets it (a bad value is reported on stderr and ignored). A build without
// thread support (wasm without -pthread) always runs on 1. Blocks while another thread's call is
// using the pool, then replaces the pool.
void set_num_threads(std::size_t n);

// The thread count calls use now (≥ 1).
std::size_t num_threads();

inline constexpr std::size_t kMaxThreads = 1024;

}  // namespace simdnorm
