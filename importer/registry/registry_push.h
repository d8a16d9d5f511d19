// Pushing an image to a registry: every blob checked with HEAD first,
// mounted from another repository of the same registry when one is named
// (falling back to an upload), uploaded in one request when small and
// streamed when large; then the manifests, the root last under its tag.
// Foreign and non-distributable layers stay where their `urls` say unless
// asked for.
#ifndef HPC_IMPORTER_REGISTRY_REGISTRY_PUSH_H_
#define HPC_IMPORTER_REGISTRY_REGISTRY_PUSH_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "importer/image/image_source.h"
#include "importer/registry/registry_options.h"

namespace hpc::registry {

// What happened to one blob, for progress lines.
enum class BlobOutcome { kPresent, kMounted, kUploaded, kSkipped };

struct PushOptions {
  int jobs = 4;  // blobs in flight, when the source allows concurrent reads
  bool include_nondistributable = false;
  // Repositories of the same registry to mount blobs from (the source's,
  // when it is in the same registry).
  std::vector<std::string> mount_from;
  // Blobs larger than this are streamed in a PATCH; smaller ones go in the
  // PUT that closes the upload.
  uint64_t monolithic_limit = 8 << 20;
  // Called as each blob's transfer ends (from worker threads, one at a
  // time) and with bytes sent while uploading.
  std::function<void(const oci::Descriptor&, BlobOutcome)> on_blob;
  std::function<void(const oci::Descriptor&, uint64_t sent)> on_progress;
};

struct PushReport {
  std::string name;  // host/repo:tag or host/repo@digest
  oci::Descriptor root;
  int blobs = 0;
  int uploaded = 0;
  int mounted = 0;
  int present = 0;  // the registry had them
  int skipped = 0;  // non-distributable, left to their urls
};

// Pushes `source` to `reference` (what follows docker://). A reference with
// a digest must name the root's digest.
absl::StatusOr<PushReport> PushImage(image::ImageSource& source,
                                     absl::string_view reference,
                                     const RegistryOptions& options,
                                     const PushOptions& push);

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_REGISTRY_PUSH_H_
