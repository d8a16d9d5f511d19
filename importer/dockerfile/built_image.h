// The image a build produces: its own small blobs (manifest, config) in
// memory, its new layers in files, and the rest read from the base image.
#ifndef HPC_IMPORTER_DOCKERFILE_BUILT_IMAGE_H_
#define HPC_IMPORTER_DOCKERFILE_BUILT_IMAGE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "importer/image/image_source.h"

namespace hpc::dockerfile {

class BuiltImage final : public image::ImageSource {
 public:
  explicit BuiltImage(std::string name) : name_(std::move(name)) {}
  // Sources may read through later ones: release them in order.
  ~BuiltImage() override {
    while (!sources_.empty()) sources_.erase(sources_.begin());
  }

  // Blobs not added here are read from these images, in order; the
  // BuiltImage keeps them alive.
  void AddSource(std::shared_ptr<image::ImageSource> source) {
    sources_.push_back(std::move(source));
  }
  oci::Descriptor AddBytes(absl::string_view media_type, std::string bytes);
  void AddFile(const oci::Descriptor& blob, std::string path);
  void set_root(const oci::Descriptor& root) { root_ = root; }

  const std::string& name() const override { return name_; }
  const oci::Descriptor& root() const override { return root_; }
  absl::StatusOr<std::unique_ptr<image::BlobStream>> Open(
      const oci::Descriptor& blob) override;
  bool concurrent_reads() const override;

 private:
  std::string name_;
  oci::Descriptor root_;
  std::map<std::string, std::string> bytes_;  // digest -> bytes
  std::map<std::string, std::string> files_;  // digest -> file
  std::vector<std::shared_ptr<image::ImageSource>> sources_;
};

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_BUILT_IMAGE_H_
