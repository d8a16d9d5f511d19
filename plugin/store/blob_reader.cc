#include "plugin/store/blob_reader.h"

namespace hpc::store {

std::shared_ptr<const BlobReader> BlobReaderCache::Find(
    const std::string& digest) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(digest);
  if (it == index_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void BlobReaderCache::Insert(const std::string& digest,
                             std::shared_ptr<const BlobReader> reader) {
  if (capacity_ == 0) return;
  absl::MutexLock lock(&mu_);
  if (auto it = index_.find(digest); it != index_.end()) {
    it->second->second = std::move(reader);
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.emplace_front(digest, std::move(reader));
  index_[digest] = order_.begin();
  while (order_.size() > capacity_) {
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

void BlobReaderCache::Erase(const std::string& digest) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(digest);
  if (it == index_.end()) return;
  order_.erase(it->second);
  index_.erase(it);
}

}  // namespace hpc::store
