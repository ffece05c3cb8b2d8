#include "core/thread_pool.hpp"

#include <chrono>
#include <system_error>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace simdnorm::detail {
namespace {

// How long a thread with nothing to do polls before it sleeps on a condition variable.
// Measured on the 2-core EPYC VM this project is built on: waking a sleeping worker (futex wake,
// and the hypervisor waking its idle vCPU) costs 5–15 µs before it runs its first task (8 tasks
// of 5 µs on 2 threads took 33 µs with sleeping workers, 23 µs with polling ones), and putting
// the caller to sleep for the last task costs as much again. One call runs two or three passes
// back to back (statistics, merge, output), microseconds apart, so without polling every pass
// pays the wake-up: S2 (1 MiB) measured slower on 2 threads than on 1. 50 µs spans the gaps
// inside a call with room to spare and bounds what an idle pool takes from other work on the
// machine.
constexpr std::chrono::microseconds kPoll{50};

void relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls ready() for up to kPoll; whether it became true.
template <class Ready>
bool poll(Ready&& ready) {
  const auto until = std::chrono::steady_clock::now() + kPoll;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      relax();
    }
    if (std::chrono::steady_clock::now() >= until) return false;
  }
}

}  // namespace

ThreadPool::ThreadPool(std::size_t threads) : shares_(new Share[threads > 1 ? threads : 1]) {
  workers_.reserve(threads > 1 ? threads - 1 : 0);
  for (std::size_t i = 1; i < threads; ++i) {
    try {
      workers_.emplace_back([this, i] { work(i); });
    } catch (const std::system_error&) {
      break;  // out of threads (or a wasm build whose worker pool is exhausted): use fewer
    }
  }
}

ThreadPool::~ThreadPool() {
  {
    const std::lock_guard lock(mutex_);
    stop_.store(true, std::memory_order_relaxed);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

// Claims may be relaxed: a run's task and inputs reach this thread through mutex_ (workers) or
// program order (the caller), its outputs reach the caller through done_'s acquire/release.
std::size_t ThreadPool::drain(std::uint32_t tag, std::size_t count, TaskRef task,
                              std::size_t home) {
  const std::size_t threads = this->threads();
  std::size_t ran = 0;
  for (std::size_t k = 0; k < threads; ++k) {
    const std::size_t share = (home + k) % threads, end = (share + 1) * count / threads;
    std::atomic<std::uint64_t>& claim = shares_[share].next;
    std::uint64_t next = claim.load(std::memory_order_relaxed);
    for (;;) {
      const std::size_t index = std::size_t(next & 0xffffffffu);
      if (std::uint32_t(next >> 32) != tag) return ran;  // the run is over
      if (index >= end) break;
      if (!claim.compare_exchange_weak(next, next + 1, std::memory_order_relaxed)) continue;
      task.fn(task.context, index);
      ++ran;
      next = claim.load(std::memory_order_relaxed);
    }
  }
  return ran;
}

void ThreadPool::run(std::size_t count, TaskRef task) {
  std::uint32_t tag;
  bool sleepers;
  {
    const std::lock_guard lock(mutex_);
    tag = tag_.load(std::memory_order_relaxed) + 1;
    count_ = count;
    task_ = task;
    done_.store(0, std::memory_order_relaxed);
    // Shares only for the threads that started: a worker that failed to start has none.
    for (std::size_t k = 0, threads = this->threads(); k < threads; ++k)
      shares_[k].next.store(std::uint64_t(tag) << 32 | k * count / threads,
                            std::memory_order_relaxed);
    tag_.store(tag, std::memory_order_release);
    sleepers = sleeping_ > 0;
  }
  if (sleepers) wake_.notify_all();  // polling workers see tag_ without a system call
  const std::size_t ran = drain(tag, count, task, 0);
  if (done_.fetch_add(ran, std::memory_order_acq_rel) + ran == count) return;
  // The rest runs on workers; the one that finishes the last task wakes this thread if it
  // sleeps. acquire: their writes (the tasks' outputs) happen before the caller reads them.
  const auto all_done = [&] { return done_.load(std::memory_order_acquire) == count; };
  if (poll(all_done)) return;
  std::unique_lock lock(mutex_);
  finished_.wait(lock, all_done);
}

void ThreadPool::work(std::size_t home) {
  std::uint32_t seen = 0;
  const auto woken = [&] {
    return stop_.load(std::memory_order_relaxed) || tag_.load(std::memory_order_relaxed) != seen;
  };
  for (;;) {
    std::size_t count;
    TaskRef task;
    const bool polled = poll(woken);
    {
      std::unique_lock lock(mutex_);
      if (!polled) {
        ++sleeping_;
        wake_.wait(lock, woken);
        --sleeping_;
      }
      if (stop_.load(std::memory_order_relaxed)) return;
      seen = tag_.load(std::memory_order_relaxed);
      count = count_;
      task = task_;
    }
    const std::size_t ran = drain(seen, count, task, home);
    if (ran && done_.fetch_add(ran, std::memory_order_acq_rel) + ran == count) {
      const std::lock_guard lock(mutex_);  // the caller checks done_ under this lock
      finished_.notify_one();
    }
  }
}

}  // namespace simdnorm::detail
