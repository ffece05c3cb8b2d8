#pragma once
// A fixed set of worker threads that run the tasks of one call together with the calling thread.
// std::thread only (pthreads natively, Web Workers under Emscripten -pthread): one code path for
// both. Each thread first claims the tasks of its own share of the run (thread k of T: tasks
// [k·count/T, (k+1)·count/T)), so the passes of one call give every thread the same pieces of the
// tensor, still in its cache from the previous pass; then it claims what is left of the others'
// shares, so a slow or descheduled thread delays nobody. Which thread runs which task is
// therefore arbitrary, and tasks must not depend on it. Between runs a worker polls for a short
// while before it sleeps, and so does the caller waiting for the last task
// (src/core/thread_pool.cpp says why and how long).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace simdnorm::detail {

// A task: fn(context, index). Tasks must not throw.
struct TaskRef {
  void (*fn)(void*, std::size_t);
  void* context;
};

class ThreadPool {
 public:
  // threads − 1 workers (the caller of run() is the last thread). Fewer if the system refuses to
  // start more: results do not depend on the count.
  explicit ThreadPool(std::size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t threads() const { return workers_.size() + 1; }

  // Most tasks of one run: a share holds the index in 32 bits.
  static constexpr std::size_t kMaxTasks = 0xffffffffu;

  // Runs task for every index in [0, count) and returns when all are done; count ≤ kMaxTasks.
  // One run at a time: callers serialize (src/core/threads.cpp).
  void run(std::size_t count, TaskRef task);

 private:
  void work(std::size_t home);
  // Claims and runs tasks of run `tag`, its own share `home` first, until none is left; returns
  // how many this thread ran.
  std::size_t drain(std::uint32_t tag, std::size_t count, TaskRef task, std::size_t home);

  // The next task of one share of the current run: run tag in the high 32 bits, index in the low
  // 32, so a worker that wakes after its run ended cannot claim a task of the next run. A cache
  // line each: the threads claim from their own shares at once.
  struct alignas(64) Share {
    std::atomic<std::uint64_t> next{0};
  };

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  // The current run, published to workers by bumping tag_ (release, under mutex_ for sleepers);
  // count_ and task_ are guarded by mutex_.
  std::atomic<std::uint32_t> tag_{0};
  std::size_t count_ = 0;
  TaskRef task_{};
  std::size_t sleeping_ = 0;  // workers waiting on wake_, guarded by mutex_
  std::atomic<bool> stop_{false};
  std::unique_ptr<Share[]> shares_;   // one per thread, the caller's first
  std::atomic<std::size_t> done_{0};  // tasks of the current run finished
};

}  // namespace simdnorm::detail
