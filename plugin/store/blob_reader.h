// Read access to one committed blob, and a small cache of open ones.
//
// containerd's proxy client turns every ReadAt into one Read call, often of
// 32 KiB, so opening and closing the blob for each call would cost more than
// the read. Readers are shared: a blob stays open while it is in the cache or
// in use, and a deleted blob's open reader still reads its old bytes.
#ifndef HPC_PLUGIN_STORE_BLOB_READER_H_
#define HPC_PLUGIN_STORE_BLOB_READER_H_

#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "plugin/store/file_system.h"

namespace hpc::store {

class BlobReader {
 public:
  BlobReader(std::unique_ptr<RandomAccessFile> file, int64_t size)
      : file_(std::move(file)), size_(size) {}

  int64_t size() const { return size_; }
  // Reads up to `n` bytes at `offset`; fewer only at the end of the blob.
  absl::StatusOr<size_t> ReadAt(int64_t offset, char* dst, size_t n) const {
    return file_->ReadAt(offset, dst, n);
  }

 private:
  std::unique_ptr<RandomAccessFile> file_;
  int64_t size_;
};

// A bounded least-recently-used map from digest to open reader.
class BlobReaderCache {
 public:
  explicit BlobReaderCache(size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<const BlobReader> Find(const std::string& digest);
  void Insert(const std::string& digest,
              std::shared_ptr<const BlobReader> reader);
  void Erase(const std::string& digest);

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const BlobReader>>;

  const size_t capacity_;
  absl::Mutex mu_;
  std::list<Entry> order_ ABSL_GUARDED_BY(mu_);  // most recent first
  absl::flat_hash_map<std::string, std::list<Entry>::iterator> index_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace hpc::store

#endif  // HPC_PLUGIN_STORE_BLOB_READER_H_
