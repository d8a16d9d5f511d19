// hpcimg build: a HostProcess image assembled from a Dockerfile. In the
// Windows stages nothing runs: each ADD/COPY becomes a layer of the files
// it names, the other instructions edit the config. A Linux stage (FROM
// --platform=linux/..., or an image whose config says linux) is a build
// stage: its image's root file system is applied into a private directory,
// where RUN executes through runc and COPY writes, and whose files a
// Windows stage takes with COPY --from (see linux_stage.h). The result is
// a single manifest without platform data and a config without os.version,
// so every containerd on every Windows node uses it as is.
#ifndef HPC_IMPORTER_DOCKERFILE_IMAGE_BUILDER_H_
#define HPC_IMPORTER_DOCKERFILE_IMAGE_BUILDER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "importer/copy/copy_image.h"
#include "importer/image/image_source.h"
#include "importer/oci/media_types.h"

namespace hpc::runtime {
class Interrupt;
}

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
  // Every Windows FROM that is not a stage reads the HostProcess base image
  // instead (nanoserver and servercore are not needed by HostProcess).
  bool hostprocess_base = false;
  bool network_host = true;     // RUN in Linux stages: host network, or none
  std::string runtime = "runc"; // the OCI runtime RUN executes through
  const runtime::Interrupt* interrupt = nullptr;  // SIGINT/SIGTERM stop it
  // Each RUN step and each line of its output, "[bins 2/3] RUN curl ...".
  std::function<void(absl::string_view line)> log;
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
