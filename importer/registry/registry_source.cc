#include "importer/registry/registry_source.h"

#include "absl/strings/str_cat.h"

namespace hpc::registry {
namespace {

class RegistrySource final : public image::ImageSource {
 public:
  RegistrySource(std::unique_ptr<RegistryClient> client, FetchedManifest root)
      : client_(std::move(client)),
        root_bytes_(std::move(root.bytes)),
        root_(std::move(root.descriptor)),
        name_(absl::StrCat("docker://", client_->reference().ToString())) {}

  const std::string& name() const override { return name_; }
  const oci::Descriptor& root() const override { return root_; }
  std::vector<std::string> image_names() const override {
    const RegistryReference& ref = client_->reference();
    if (ref.tag.empty()) return {};
    return {absl::StrCat(ref.Name(), ":", ref.tag)};
  }
  absl::StatusOr<std::unique_ptr<image::BlobStream>> Open(
      const oci::Descriptor& blob) override {
    if (blob.digest == root_.digest) return image::StreamOf(root_bytes_);
    return client_->OpenBlob(blob);
  }
  bool concurrent_reads() const override { return true; }

 private:
  std::unique_ptr<RegistryClient> client_;
  std::string root_bytes_;
  oci::Descriptor root_;
  std::string name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenRegistryImage(
    absl::string_view reference, const RegistryOptions& options) {
  auto ref = RegistryReference::Parse(reference);
  if (!ref.ok()) return ref.status();
  auto client = RegistryClient::Create(*ref, options);
  if (!client.ok()) return client.status();
  auto root = (*client)->GetManifest(ref->ManifestReference());
  if (!root.ok()) return root.status();
  return std::unique_ptr<image::ImageSource>(
      new RegistrySource(std::move(*client), std::move(*root)));
}

}  // namespace hpc::registry
