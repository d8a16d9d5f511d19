// Helpers shared by the store tests.
#ifndef HPC_TESTS_PLUGIN_STORE_STORE_TEST_UTIL_H_
#define HPC_TESTS_PLUGIN_STORE_STORE_TEST_UTIL_H_

#include <string>

#include "gtest/gtest.h"
#include "importer/oci/digester.h"
#include "plugin/store/store.h"
#include "tests/testing/test_data.h"

namespace hpc::store::testing {

using ::hpc::testing::DigestOf;
using ::hpc::testing::Pattern;

// Writes and commits `data` under `ref`; returns the commit status.
inline absl::Status WriteBlob(Store& store, const std::string& ref,
                              const std::string& data,
                              const Labels* labels = nullptr) {
  auto writer = store.OpenWriter(ref, static_cast<int64_t>(data.size()), "");
  if (!writer.ok()) return writer.status();
  if (absl::Status s = (*writer)->Write(data); !s.ok()) return s;
  return (*writer)->Commit(static_cast<int64_t>(data.size()), DigestOf(data),
                           labels);
}

// Reads a whole blob back through the store.
inline std::string ReadBlob(Store& store, const std::string& digest) {
  auto reader = store.ReaderAt(digest);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return "";
  std::string data(static_cast<size_t>((*reader)->size()), '\0');
  auto n = (*reader)->ReadAt(0, data.data(), data.size());
  EXPECT_TRUE(n.ok());
  data.resize(n.ok() ? *n : 0);
  return data;
}

}  // namespace hpc::store::testing

#endif  // HPC_TESTS_PLUGIN_STORE_STORE_TEST_UTIL_H_
