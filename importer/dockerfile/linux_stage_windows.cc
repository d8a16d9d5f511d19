#include "importer/dockerfile/linux_stage.h"


namespace hpc::dockerfile {
namespace {

absl::Status Unsupported() {
  return absl::UnimplementedError(
      "a Linux build stage needs hpcimg on Linux: its RUN executes through "
      "runc; build this Dockerfile with the Linux hpcimg");
}

}  // namespace

absl::StatusOr<std::unique_ptr<LinuxStage>> LinuxStage::Create(
    image::ImageSource*, const std::vector<oci::Descriptor>&,
    const LinuxStageOptions&) {
  return Unsupported();
}

absl::StatusOr<std::unique_ptr<LinuxStage>> LinuxStage::CopyOf(
    const LinuxStage&, const LinuxStageOptions&) {
  return Unsupported();
}

}  // namespace hpc::dockerfile
