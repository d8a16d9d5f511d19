#include "importer/dockerfile/built_image.h"

#include "absl/strings/str_cat.h"
#include "importer/image/file_stream.h"

namespace hpc::dockerfile {
oci::Descriptor BuiltImage::AddBytes(absl::string_view media_type,
                                     std::string bytes) {
  oci::Descriptor d = oci::DescribeBytes(media_type, bytes);
  bytes_[d.digest.str()] = std::move(bytes);
  return d;
}

void BuiltImage::AddFile(const oci::Descriptor& blob, std::string path) {
  files_[blob.digest.str()] = std::move(path);
}

absl::StatusOr<std::unique_ptr<image::BlobStream>> BuiltImage::Open(
    const oci::Descriptor& blob) {
  const std::string key = blob.digest.str();
  if (auto it = bytes_.find(key); it != bytes_.end()) {
    return image::StreamOf(it->second);
  }
  if (auto it = files_.find(key); it != files_.end()) {
    return image::OpenFileStream(it->second);
  }
  for (const auto& source : sources_) {
    auto stream = source->Open(blob);
    if (stream.ok() || !absl::IsNotFound(stream.status())) return stream;
  }
  return absl::NotFoundError(absl::StrCat(name_, ": no blob ", key));
}

bool BuiltImage::concurrent_reads() const {
  for (const auto& source : sources_) {
    if (!source->concurrent_reads()) return false;
  }
  return true;
}

}  // namespace hpc::dockerfile
