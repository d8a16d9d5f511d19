// Unpacking an image's layers into a containerd snapshotter through the
// Snapshots and Diff APIs, as containerd's own unpack does: for each layer
// in order, Prepare a snapshot on the previous chain ID, Apply the layer
// blob to its mounts (containerd checks the result against the diff ID),
// and Commit it under the layer's chain ID. Layers already unpacked are
// skipped. Afterwards each layer blob carries containerd.io/uncompressed and
// the config containerd.io/gc.ref.snapshot.<snapshotter>, so the snapshots
// live as long as the image.
#ifndef HPC_IMPORTER_UNPACK_UNPACK_H_
#define HPC_IMPORTER_UNPACK_UNPACK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/containerd/connection.h"
#include "importer/image/image_source.h"
#include "importer/oci/digest.h"

namespace hpc::unpack {

// containerd's default snapshotter on this platform.
const char* DefaultSnapshotter();

struct UnpackResult {
  std::string chain_id;  // of the top layer
  int layers_applied = 0;
  int layers_present = 0;
};

// The chain IDs of `diff_ids`: the first is the first diff ID, each next
// one sha256("<previous> <diff ID>").
std::vector<oci::Digest> ChainIds(const std::vector<oci::Digest>& diff_ids);

// Unpacks `image` (a single manifest whose blobs containerd already holds)
// in the connection's namespace; call it under a lease.
absl::StatusOr<UnpackResult> Unpack(containerd::Connection& connection,
                                    image::ImageSource& image,
                                    const std::string& snapshotter);

}  // namespace hpc::unpack

#endif  // HPC_IMPORTER_UNPACK_UNPACK_H_
