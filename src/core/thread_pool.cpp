#include "core/thread_pool.hpp"

#include <system_error>

namespace simdnorm::detail {

ThreadPool::ThreadPool(std::size_t threads) {
  workers_.reserve(threads > 1 ? threads - 1 : 0);
  for (std::size_t i = 1; i < threads; ++i) {
    try {
      workers_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      break;  // out of threads (or a wasm build whose worker pool is exhausted): use fewer
    }
  }
}

ThreadPool::~ThreadPool() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

// Claims may be relaxed: a run's task and inputs reach this thread through mutex_ (workers) or
// program order (the caller), its outputs reach the caller through done_'s acquire/release.
std::size_t ThreadPool::drain(std::uint32_t tag, std::size_t count, TaskRef task) {
  std::size_t ran = 0;
  std::uint64_t next = next_.load(std::memory_order_relaxed);
  for (;;) {
    const std::size_t index = std::size_t(next & 0xffffffffu);
    if (std::uint32_t(next >> 32) != tag || index >= count) return ran;
    if (!next_.compare_exchange_weak(next, next + 1, std::memory_order_relaxed)) continue;
    task.fn(task.context, index);
    ++ran;
    next = next_.load(std::memory_order_relaxed);
  }
}

void ThreadPool::run(std::size_t count, TaskRef task) {
  std::uint32_t tag;
  {
    const std::lock_guard lock(mutex_);
    tag = ++tag_;
    count_ = count;
    task_ = task;
    done_.store(0, std::memory_order_relaxed);
    next_.store(std::uint64_t(tag) << 32, std::memory_order_relaxed);
  }
  wake_.notify_all();
  const std::size_t ran = drain(tag, count, task);
  if (done_.fetch_add(ran, std::memory_order_acq_rel) + ran == count) return;
  // The rest runs on workers; the one that finishes the last task wakes this thread. acquire:
  // their writes (the tasks' outputs) happen before the caller reads them.
  std::unique_lock lock(mutex_);
  finished_.wait(lock, [&] { return done_.load(std::memory_order_acquire) == count; });
}

void ThreadPool::work() {
  std::uint32_t seen = 0;
  for (;;) {
    std::size_t count;
    TaskRef task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || tag_ != seen; });
      if (stop_) return;
      seen = tag_;
      count = count_;
      task = task_;
    }
    const std::size_t ran = drain(seen, count, task);
    if (ran && done_.fetch_add(ran, std::memory_order_acq_rel) + ran == count) {
      const std::lock_guard lock(mutex_);  // the caller checks done_ under this lock
      finished_.notify_one();
    }
  }
}

}  // namespace simdnorm::detail
