// Test data: reproducible pseudo-random bytes and their digests.
#ifndef HPC_TESTS_TESTING_TEST_DATA_H_
#define HPC_TESTS_TESTING_TEST_DATA_H_

#include <cstdint>
#include <string>

#include "importer/oci/digester.h"

namespace hpc::testing {

// `size` bytes that depend only on `seed`.
inline std::string Pattern(size_t size, unsigned seed) {
  std::string data(size, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    data[i] = static_cast<char>(x);
  }
  return data;
}

inline std::string DigestOf(const std::string& data) {
  return oci::Digester::Of(data).str();
}

}  // namespace hpc::testing

#endif  // HPC_TESTS_TESTING_TEST_DATA_H_
