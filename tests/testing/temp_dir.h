// A directory that exists for the lifetime of a test and is removed after.
#ifndef HPC_TESTS_TESTING_TEMP_DIR_H_
#define HPC_TESTS_TESTING_TEMP_DIR_H_

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace hpc::testing {

class TempDir {
 public:
  // Under the system's temporary directory ($TMPDIR, %TEMP%).
  TempDir() {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) throw std::runtime_error("no temporary directory");
    std::random_device random;
    for (int attempt = 0; attempt < 100 && path_.empty(); ++attempt) {
      std::filesystem::path candidate =
          base / ("hpc-test-" + std::to_string(random()));
      if (std::filesystem::create_directory(candidate, ec)) {
        std::filesystem::permissions(candidate,
                                     std::filesystem::perms::owner_all, ec);
        path_ = candidate.generic_string();
      }
    }
    if (path_.empty()) throw std::runtime_error("cannot make a temp dir");
  }
  ~TempDir() {
    std::error_code ec;
    // Committed blobs are read-only; make everything removable first.
    for (auto& entry :
         std::filesystem::recursive_directory_iterator(path_, ec)) {
      std::filesystem::permissions(entry.path(),
                                   std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::add, ec);
    }
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Join(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline std::string ReadFileOrDie(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFileOrDie(const std::filesystem::path& path,
                           const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << data;
}

}  // namespace hpc::testing

#endif  // HPC_TESTS_TESTING_TEMP_DIR_H_
