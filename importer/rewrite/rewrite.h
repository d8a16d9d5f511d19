// Rewriting an image into what containerd uses on any Windows node: a single
// manifest with no platform data (containerd issue 7431).
//
// An index becomes the one manifest chosen by platform: the one --platform
// names (an os.version prefix such as 10.0.17763 matches 10.0.17763.x), or
// by default the Windows manifest, and among several the highest os.version.
// `platform` is dropped from the root descriptor. With strip_os_version the
// config loses os.version too (config and manifest get new digests, layers
// are untouched). Every change is reported.
#ifndef HPC_IMPORTER_REWRITE_REWRITE_H_
#define HPC_IMPORTER_REWRITE_REWRITE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/image/image_source.h"
#include "importer/rewrite/platform.h"

namespace hpc::rewrite {

struct RewriteOptions {
  std::optional<Platform> platform;
  bool strip_os_version = false;
};

struct RewriteResult {
  // Reads through to the original source, which must outlive it.
  std::unique_ptr<image::ImageSource> image;
  std::vector<std::string> changes;  // one line each, for people and --json
};

absl::StatusOr<RewriteResult> RewriteToSingleManifest(
    image::ImageSource& source, const RewriteOptions& options);

// The manifest that RewriteToSingleManifest takes from `source`'s index
// (nested indexes included): the one `platform` names, or the Windows one
// with the highest os.version. An error lists the choices when none or
// several fit.
struct ManifestChoice {
  oci::Descriptor manifest;  // as the index lists it, platform included
  std::string description;   // "sha256:... (windows/amd64:10.0.20348.1)"
};
absl::StatusOr<ManifestChoice> ChooseManifest(
    image::ImageSource& source, const std::optional<Platform>& platform);

}  // namespace hpc::rewrite

#endif  // HPC_IMPORTER_REWRITE_REWRITE_H_
