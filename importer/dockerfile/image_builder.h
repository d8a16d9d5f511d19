// hpcimg build: a HostProcess image assembled from a Dockerfile without
// running anything. Each ADD/COPY becomes a layer of the files it names;
// the other instructions edit the config. The result is a single manifest
// without platform data and a config without os.version, so every
// containerd on every Windows node uses it as is.
#ifndef HPC_IMPORTER_DOCKERFILE_IMAGE_BUILDER_H_
#define HPC_IMPORTER_DOCKERFILE_IMAGE_BUILDER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "importer/copy/copy_image.h"
#include "importer/image/image_source.h"
#include "importer/oci/media_types.h"

namespace hpc::dockerfile {

struct BuildOptions {
  std::string context;     // the build context directory
  std::string dockerfile;  // default: CONTEXT/Dockerfile
  std::vector<std::pair<std::string, std::string>> build_args;
  // FROM NAME -> source reference; an empty NAME maps every image FROM.
  std::vector<std::pair<std::string, std::string>> bases;
  std::string target;   // the stage to build; default the last
  bool squash = false;  // the layers the build adds become one
  oci::MediaTypeFormat format = oci::MediaTypeFormat::kOci;
  absl::Time created;  // every file's time and the image's creation time
  // Where layers and unpacked files are written; must exist and outlive
  // the result.
  std::string scratch_dir;
  copy::SourceOptions sources;  // for containerd: and docker:// references
  bool offline = false;         // refuse to pull FROM images from registries
};

struct BuildResult {
  std::unique_ptr<image::ImageSource> image;
  int stages = 0;
  int layers_added = 0;
  std::vector<std::string> warnings;
};

absl::StatusOr<BuildResult> BuildImage(const BuildOptions& options);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_IMAGE_BUILDER_H_
