// The thread count and the one pool every call shares.

#include "simdnorm/threads.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/parallel.hpp"
#include "core/validate.hpp"

namespace simdnorm {
namespace detail {
namespace {

// Emscripten without -pthread has no threads: std::thread would fail at run time.
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
constexpr bool kHaveThreads = false;
#else
constexpr bool kHaveThreads = true;
#endif

std::size_t default_threads() {
  const std::size_t hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw < kMaxThreads ? hw : kMaxThreads;
}

std::size_t resolve(std::size_t n) {
  if (!kHaveThreads) return 1;
  return n == 0 ? default_threads() : n;
}

struct Threads {
  std::atomic<std::size_t> count;
  std::mutex pool_mutex;  // held by the call using the pool, and to replace it
  std::unique_ptr<ThreadPool> pool;
  std::size_t pool_for = 0;  // the count the pool was made for: it may have fewer threads

  Threads() : count(resolve(0)) {
    const char* env = std::getenv("SIMDNORM_NUM_THREADS");
    if (!env || !*env) return;
    char* end = nullptr;
    const unsigned long long n = std::strtoull(env, &end, 10);
    if (*end != '\0' || env[0] == '-' || n > kMaxThreads) {
      std::fprintf(stderr,
                   "simdnorm: SIMDNORM_NUM_THREADS=%s is not a thread count in [0, %zu]; "
                   "using %zu\n",
                   env, kMaxThreads, count.load());
      return;
    }
    count = resolve(std::size_t(n));
  }
};

Threads& threads() {
  static Threads t;
  return t;
}

// Set while this thread runs tasks: a nested call runs on its own thread.
thread_local bool in_task = false;

}  // namespace

void run_tasks(std::size_t count, TaskRef task) {
  Threads& t = threads();
  if (count == 0) return;
  const std::size_t want = t.count.load(std::memory_order_relaxed);
  std::unique_lock lock(t.pool_mutex, std::defer_lock);
  if (count > 1 && count <= ThreadPool::kMaxTasks && want > 1 && !in_task && lock.try_lock()) {
    if (!t.pool || t.pool_for != want) {
      t.pool.reset();
      t.pool = std::make_unique<ThreadPool>(want);
      t.pool_for = want;
    }
    struct Guarded {
      TaskRef task;
      static void run(void* self, std::size_t i) {
        in_task = true;
        const TaskRef& inner = static_cast<Guarded*>(self)->task;
        inner.fn(inner.context, i);
        in_task = false;
      }
    } guarded{task};
    t.pool->run(count, {&Guarded::run, &guarded});
    return;
  }
  for (std::size_t i = 0; i < count; ++i) task.fn(task.context, i);
}

}  // namespace detail

void set_num_threads(std::size_t n) {
  if (n > kMaxThreads)
    detail::fail(ErrorCode::range, "set_num_threads", "n",
                 "a thread count in [0, " + std::to_string(kMaxThreads) + "] (0: the default)",
                 std::to_string(n));
  if (detail::in_task)  // the pool is this call's caller: waiting for it would never end
    detail::fail(ErrorCode::state, "set_num_threads", "n", "a call outside the pool's tasks",
                 "a call from inside one");
  detail::Threads& t = detail::threads();
  const std::lock_guard lock(t.pool_mutex);  // waits for a running call; the next one resizes
  t.count = detail::resolve(n);
  if (t.count == 1) t.pool.reset();  // 1 thread: no pool at all
}

std::size_t num_threads() {
  return detail::threads().count.load(std::memory_order_relaxed);
}

}  // namespace simdnorm
