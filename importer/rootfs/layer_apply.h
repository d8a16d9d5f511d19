// Applying an image's layers to a root file system, as containerd's
// applier does for a snapshot: entries in order, whiteouts (".wh.NAME"
// removes NAME from the layers below, ".wh..wh..opq" empties its directory
// of what they held), hard links to earlier files, symbolic links written
// as they are. Every path resolves inside the root (see root_dir.h), so a
// layer cannot write outside it, through ".." or a link. Device nodes,
// FIFOs and sockets are not created. Owners are kept when running as root.
#ifndef HPC_IMPORTER_ROOTFS_LAYER_APPLY_H_
#define HPC_IMPORTER_ROOTFS_LAYER_APPLY_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "importer/archive/archive_reader.h"
#include "importer/image/image_source.h"
#include "importer/oci/descriptor.h"
#include "importer/rootfs/root_dir.h"

namespace hpc::rootfs {

struct ApplyOptions {
  archive::ArchiveLimits limits;
  // Set owners from the layer (needs root); otherwise files are the caller's.
  bool keep_owners = false;
  // Asked between entries; true stops the apply (Cancelled).
  std::function<bool()> cancelled;
};

struct ApplyStats {
  int64_t entries = 0;
  int64_t bytes = 0;    // file data written
  int64_t skipped = 0;  // device nodes, FIFOs, sockets
};

// Applies the layer tar `layer` reads (named `name` in errors).
absl::StatusOr<ApplyStats> ApplyLayer(const RootDir& root,
                                      archive::ArchiveReader& layer,
                                      const std::string& name,
                                      const ApplyOptions& options);

// Applies the layer blob `layer` of `source`, streamed; its bytes are
// checked against its digest and size.
absl::StatusOr<ApplyStats> ApplyImageLayer(const RootDir& root,
                                           image::ImageSource& source,
                                           const oci::Descriptor& layer,
                                           const ApplyOptions& options);

}  // namespace hpc::rootfs

#endif  // HPC_IMPORTER_ROOTFS_LAYER_APPLY_H_
