#pragma once
// The CPU the benchmarks ran on, for the results' header: Google Benchmark records cores, clock
// and caches but not the model, and a VM's model name alone ("AMD EPYC") hides the generation.

#include <string>

namespace simdnorm::bench {

// "AMD EPYC (x86 family 26, model 2)" from /proc/cpuinfo; "unknown" where it is missing.
std::string cpu_model();

}  // namespace simdnorm::bench
