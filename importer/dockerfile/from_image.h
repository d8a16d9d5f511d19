// The image a FROM line names, opened: a --base mapping, the HostProcess
// base image by its registry name (generated here, any tag), `base:`, any
// transport reference (oci:, oci-archive:, docker-archive:, containerd:,
// docker://), or another name, pulled from its registry unless offline.
// An index is narrowed to the manifest of `platform` (FROM --platform), or
// by default to its Windows manifest, as hpcimg copy does, and to its
// linux/amd64 one when it has no Windows manifest (a Linux build stage).
#ifndef HPC_IMPORTER_DOCKERFILE_FROM_IMAGE_H_
#define HPC_IMPORTER_DOCKERFILE_FROM_IMAGE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/copy/copy_image.h"
#include "importer/image/image_source.h"
#include "importer/rewrite/platform.h"

namespace hpc::dockerfile {

struct FromImage {
  FromImage() = default;
  FromImage(FromImage&&) = default;
  FromImage& operator=(FromImage&&) = default;
  // The narrowed image reads through the original: release it first.
  ~FromImage() {
    while (!sources.empty()) sources.erase(sources.begin());
  }

  // The image, whose root is a manifest; `sources` keeps what it reads
  // through alive (the image is sources.front()).
  std::vector<std::shared_ptr<image::ImageSource>> sources;
  std::string reference;  // what was opened: "base:v1.0.0", "oci:dir:tag"
  std::vector<std::string> changes;  // how an index was narrowed
  image::ImageSource& image() const { return *sources.front(); }
};

absl::StatusOr<FromImage> OpenFromImage(
    const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& bases,
    const copy::SourceOptions& options, bool offline,
    const std::optional<rewrite::Platform>& platform = std::nullopt);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_FROM_IMAGE_H_
