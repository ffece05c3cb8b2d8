#include "cpu_model.hpp"

#include <fstream>
#include <map>
#include <string>

namespace simdnorm::bench {
namespace {

// The first value of each "key : value" line of /proc/cpuinfo (the first CPU's block).
std::map<std::string, std::string> first_cpu_fields() {
  std::map<std::string, std::string> fields;
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    key.erase(key.find_last_not_of(" \t") + 1);
    const auto start = line.find_first_not_of(' ', colon + 1);
    fields.try_emplace(key, start == std::string::npos ? "" : line.substr(start));
  }
  return fields;
}

}  // namespace

std::string cpu_model() {
  auto f = first_cpu_fields();
  if (f.count("model name") && f.count("cpu family"))  // x86
    return f["model name"] + " (x86 family " + f["cpu family"] + ", model " + f["model"] + ")";
  if (f.count("CPU implementer"))  // aarch64: no model name, only the part numbers
    return "aarch64 (implementer " + f["CPU implementer"] + ", part " + f["CPU part"] + ")";
  return "unknown";
}

}  // namespace simdnorm::bench
