#pragma once
// Reader for the PyTorch fixtures in tests/fixtures (format: tests/fixtures/README.md): one record
// per line, "key token token ...". No JSON library: the format is whitespace-split text.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace simdnorm_test {

class FixtureFile {
 public:
  explicit FixtureFile(const std::filesystem::path& path) : path_(path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open fixture " + path.string());
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream tokens(line);
      std::string key, token;
      tokens >> key;
      std::vector<std::string>& values = records_[key];
      while (tokens >> token) values.push_back(token);
    }
  }

  bool has(const std::string& key) const { return records_.count(key) != 0; }

  const std::string& text(const std::string& key) const { return single(key); }
  long integer(const std::string& key) const { return std::stol(single(key)); }
  float number(const std::string& key) const { return parse(single(key)); }

  std::vector<float> tensor(const std::string& key) const {
    std::vector<float> v;
    for (const std::string& t : tokens(key)) v.push_back(parse(t));
    return v;
  }

  const std::vector<std::string>& tokens(const std::string& key) const {
    const auto it = records_.find(key);
    if (it == records_.end())
      throw std::runtime_error(path_.string() + ": missing record \"" + key + "\"");
    return it->second;
  }

 private:
  const std::string& single(const std::string& key) const {
    const std::vector<std::string>& t = tokens(key);
    if (t.size() != 1)
      throw std::runtime_error(path_.string() + ": record \"" + key + "\" should hold one value");
    return t[0];
  }

  // strtof reads "NaN", "Infinity", "-Infinity" and decimal/exponent forms; 9 significant
  // digits round-trip float32 exactly.
  float parse(const std::string& token) const {
    char* end = nullptr;
    const float v = std::strtof(token.c_str(), &end);
    if (end != token.c_str() + token.size())
      throw std::runtime_error(path_.string() + ": not a number: \"" + token + "\"");
    return v;
  }

  std::filesystem::path path_;
  std::map<std::string, std::vector<std::string>> records_;
};

// The *.txt fixtures in `dir`, sorted by name.
inline std::vector<std::filesystem::path> fixture_paths(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  if (std::filesystem::is_directory(dir))
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      if (entry.path().extension() == ".txt") paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace simdnorm_test
