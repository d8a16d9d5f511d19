#include "importer/transport/oci_layout_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "importer/image/file_stream.h"
#include "importer/oci/json.h"
#include "importer/transport/layout_index.h"

namespace hpc::transport {

namespace {

class OciLayoutSource final : public image::ImageSource {
 public:
  OciLayoutSource(std::string name, std::string dir, LayoutSelection selection,
                  std::string index_json)
      : name_(std::move(name)),
        dir_(std::move(dir)),
        selection_(std::move(selection)),
        index_json_(std::move(index_json)) {}

  const std::string& name() const override { return name_; }
  const oci::Descriptor& root() const override { return selection_.root; }
  std::vector<std::string> image_names() const override {
    return selection_.names;
  }

  absl::StatusOr<std::unique_ptr<image::BlobStream>> Open(
      const oci::Descriptor& blob) override {
    if (selection_.root_is_layout_index &&
        blob.digest == selection_.root.digest) {
      return image::StreamOf(index_json_);
    }
    // The digest was validated when parsed: its hex is safe in a path.
    std::string path = absl::StrCat(dir_, "/blobs/sha256/", blob.digest.hex());
    auto stream = image::OpenFileStream(path);
    if (!stream.ok()) {
      return absl::NotFoundError(
          absl::StrCat(name_, ": blob ", blob.digest.str(), " is missing (",
                       stream.status().message(), ")"));
    }
    return stream;
  }
  bool concurrent_reads() const override { return true; }

 private:
  std::string name_;
  std::string dir_;
  LayoutSelection selection_;
  std::string index_json_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenOciLayout(
    const Reference& reference) {
  const std::string index_path = absl::StrCat(reference.path, "/index.json");
  std::ifstream in(index_path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(reference.text, ": ", index_path, " cannot be read; is ",
                     reference.path, " an OCI image layout?"));
  }
  std::string index_json((std::istreambuf_iterator<char>(in)), {});
  auto selection =
      SelectFromLayoutIndex(index_json, reference.tag, reference.text);
  if (!selection.ok()) return selection.status();
  return std::unique_ptr<image::ImageSource>(
      new OciLayoutSource(reference.text, reference.path, std::move(*selection),
                          std::move(index_json)));
}

}  // namespace hpc::transport
