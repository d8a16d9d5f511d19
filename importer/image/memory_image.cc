#include "importer/image/memory_image.h"

#include "absl/strings/str_cat.h"

namespace hpc::image {

oci::Descriptor MemoryImage::Add(absl::string_view media_type,
                                 std::string bytes) {
  oci::Descriptor d = oci::DescribeBytes(media_type, bytes);
  blobs_[d.digest.str()] = std::move(bytes);
  return d;
}

absl::StatusOr<std::unique_ptr<BlobStream>> MemoryImage::Open(
    const oci::Descriptor& blob) {
  auto it = blobs_.find(blob.digest.str());
  if (it == blobs_.end()) {
    return absl::NotFoundError(
        absl::StrCat(name_, ": no blob ", blob.digest.str()));
  }
  return StreamOf(it->second);
}

const std::string& MemoryImage::bytes(const oci::Digest& digest) const {
  static const std::string* empty = new std::string();
  auto it = blobs_.find(digest.str());
  return it == blobs_.end() ? *empty : it->second;
}

}  // namespace hpc::image
