#pragma once
// Internal: runs the tasks of one call on the thread pool (src/core/threads.cpp).

#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>

#include "core/partition.hpp"
#include "core/thread_pool.hpp"

namespace simdnorm::detail {

// Runs task(i) for every i in [0, count), on the pool when this call may use it (more than one
// task and thread, the pool not busy with another thread's call, not inside a task already),
// else in order on the calling thread. Either way the results must be the same: tasks write
// disjoint outputs and depend neither on the thread nor on the order.
void run_tasks(std::size_t count, TaskRef task);

template <class F>
void parallel_for(std::size_t count, F&& task) {
  using Fn = std::remove_reference_t<F>;
  run_tasks(count, {[](void* f, std::size_t i) { (*static_cast<Fn*>(f))(i); },
                    const_cast<void*>(static_cast<const void*>(&task))});
}

// Runs range(begin, end) over [0, total) cut into ranges of `grain` items (the last one shorter),
// on the pool when there are several: for element-wise work, whose results no cut changes.
template <class F>
void parallel_ranges(std::size_t total, std::size_t grain, F&& range) {
  parallel_for((total + grain - 1) / grain,
               [&](std::size_t i) { range(i * grain, std::min(total, (i + 1) * grain)); });
}

// Copies `from` into `to` (of the same size) in ranges of the BN partition's piece size, on the
// pool: a copy of a whole tensor is a pass as memory-bound as a kernel's, with the same cut-over.
inline void parallel_copy(std::span<const float> from, std::span<float> to) {
  parallel_ranges(from.size(), piece_floats(), [&](std::size_t i0, std::size_t i1) {
    std::copy(from.begin() + std::ptrdiff_t(i0), from.begin() + std::ptrdiff_t(i1),
              to.begin() + std::ptrdiff_t(i0));
  });
}

}  // namespace simdnorm::detail
