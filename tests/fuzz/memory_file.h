// Fuzz input as a file: an anonymous in-memory file (memfd) whose
// /proc/self/fd path the code under test can open like any other.
#ifndef HPC_TESTS_FUZZ_MEMORY_FILE_H_
#define HPC_TESTS_FUZZ_MEMORY_FILE_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace hpc::fuzz {

class MemoryFile {
 public:
  MemoryFile(const uint8_t* data, size_t size) {
    fd_ = memfd_create("fuzz-input", MFD_CLOEXEC);
    size_t off = 0;
    while (fd_ >= 0 && off < size) {
      ssize_t n = write(fd_, data + off, size - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  ~MemoryFile() {
    if (fd_ >= 0) close(fd_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_ = -1;
};

}  // namespace hpc::fuzz

#endif  // HPC_TESTS_FUZZ_MEMORY_FILE_H_
