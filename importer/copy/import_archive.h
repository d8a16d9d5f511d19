// hpcimg import: archives into containerd as single platform-less
// manifests, unpacked. Each image of an archive is rewritten (unless the
// index is kept), its blobs put into containerd, unpacked into the
// snapshotter and given its image records, all under one lease; a failure
// leaves no record and releases the lease.
#ifndef HPC_IMPORTER_COPY_IMPORT_ARCHIVE_H_
#define HPC_IMPORTER_COPY_IMPORT_ARCHIVE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/archive/archive_reader.h"
#include "importer/containerd/content_client.h"
#include "importer/oci/descriptor.h"
#include "importer/rewrite/rewrite.h"
#include "importer/unpack/unpack.h"

namespace hpc::copy {

struct ImportOptions {
  std::string name;  // for an archive of one image; else the archive's names
  bool keep_index = false;
  rewrite::RewriteOptions rewrite;
  bool unpack = true;
  std::string snapshotter = unpack::DefaultSnapshotter();
  std::string containerd_address;
  std::string containerd_namespace;
  bool cri_records = true;
  bool pin = false;  // label the records io.cri-containerd.pinned=pinned
  // When set, blobs are written straight into hpc-content-plugin at this
  // socket, and containerd (whose content store it is) only registers them
  // in the namespace, without receiving their bytes.
  std::string plugin_address;
  // Told of the bytes sent of each blob.
  containerd::Progress progress;
  // Bounds on what each archive may unpack to.
  archive::ArchiveLimits archive_limits;
  // How long containerd keeps a half-done import's content if hpcimg dies.
  absl::Duration lease_expiry = absl::Hours(1);
};

struct ImportedImage {
  std::string archive;
  std::vector<std::string> records;
  oci::Descriptor root;
  std::vector<std::string> changes;   // what the rewrite did
  std::vector<std::string> warnings;  // e.g. registered under its ID
  int blobs = 0;
  int blobs_written = 0;  // sent through containerd
  int blobs_registered =
      0;                    // registered without their bytes passing containerd
  int blobs_to_plugin = 0;  // written straight into the plugin
  bool changed = false;
  unpack::UnpackResult unpacked;
};

absl::StatusOr<std::vector<ImportedImage>> ImportArchive(
    const std::string& path, const ImportOptions& options);

// One image from any source (a registry's, say), imported as each image of
// an archive is; `options.name` names it, else its own name.
absl::StatusOr<ImportedImage> ImportImage(image::ImageSource& source,
                                          const ImportOptions& options);

}  // namespace hpc::copy

#endif  // HPC_IMPORTER_COPY_IMPORT_ARCHIVE_H_
