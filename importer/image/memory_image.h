// An image held entirely in memory: for small images made here, such as the
// HostProcess base image.
#ifndef HPC_IMPORTER_IMAGE_MEMORY_IMAGE_H_
#define HPC_IMPORTER_IMAGE_MEMORY_IMAGE_H_

#include <map>
#include <string>
#include <vector>

#include "importer/image/image_source.h"

namespace hpc::image {

class MemoryImage final : public ImageSource {
 public:
  MemoryImage(std::string name, std::vector<std::string> image_names)
      : name_(std::move(name)), image_names_(std::move(image_names)) {}

  // Adds a blob and returns its descriptor.
  oci::Descriptor Add(absl::string_view media_type, std::string bytes);
  void set_root(const oci::Descriptor& root) { root_ = root; }

  const std::string& name() const override { return name_; }
  const oci::Descriptor& root() const override { return root_; }
  std::vector<std::string> image_names() const override { return image_names_; }
  bool concurrent_reads() const override { return true; }
  absl::StatusOr<std::unique_ptr<BlobStream>> Open(
      const oci::Descriptor& blob) override;

  // The bytes of a blob added before; empty when unknown.
  const std::string& bytes(const oci::Digest& digest) const;

 private:
  std::string name_;
  std::vector<std::string> image_names_;
  oci::Descriptor root_;
  std::map<std::string, std::string> blobs_;
};

}  // namespace hpc::image

#endif  // HPC_IMPORTER_IMAGE_MEMORY_IMAGE_H_
