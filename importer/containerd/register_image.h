// Registering an image in containerd: its blobs in the content store with
// the garbage-collection labels containerd's own pull sets, and its image
// records, all under one lease that is released at the end.
//
// In namespace k8s.io the records are the three that containerd's CRI
// plugin keeps for a pulled image, so kubelet sees the image as present:
// NAME, REPOSITORY@sha256:<manifest> and the image ID sha256:<config>, each
// labelled io.cri-containerd.image=managed.
#ifndef HPC_IMPORTER_CONTAINERD_REGISTER_IMAGE_H_
#define HPC_IMPORTER_CONTAINERD_REGISTER_IMAGE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "importer/containerd/connection.h"
#include "importer/containerd/content_client.h"
#include "importer/image/image_source.h"

namespace hpc::containerd {

inline constexpr char kCriNamespace[] = "k8s.io";
inline constexpr char kCriImageLabel[] = "io.cri-containerd.image";
// An image record with this label set to "pinned" is kept out of kubelet's
// image garbage collection (containerd 1.6.22+ and 1.7.3+ report it to
// kubelet; from 1.6.25 and 1.7.10 one pinned record pins the image).
inline constexpr char kCriPinnedLabel[] = "io.cri-containerd.pinned";

struct RegisterOptions {
  // Names to register the image under; at least one.
  std::vector<std::string> names;
  // In k8s.io, also the repo-digest and image-ID records CRI would create.
  bool cri_records = true;
  // Label every record kCriPinnedLabel=pinned. Labels already on a record
  // stay: registering without it does not unpin.
  bool pin = false;
  // Runs once the records are made, under the same lease (unpacking, for
  // instance): the image is listed from then on, as ctr images pull and
  // import list an image before they unpack it. Its error fails the
  // registration and removes the records this call created.
  std::function<absl::Status(Connection&)> after_records;
  // Told of the bytes sent of each blob.
  Progress progress;
  // The lease's expiry: should this process die mid-way, containerd keeps
  // what was written for this long, then collects it.
  absl::Duration lease_expiry = absl::Hours(1);
};

struct RegisterResult {
  std::vector<std::string> records;  // every record created or updated
  int blobs_written = 0;             // bytes sent
  int blobs_registered = 0;          // already in the backing store
  int blobs_present = 0;             // already in the namespace
  bool changed = false;              // anything new at all
};

// On failure no image record of this call is left behind and the lease is
// released; content written so far is left to containerd's garbage collector.
absl::StatusOr<RegisterResult> RegisterImage(Connection& connection,
                                             image::ImageSource& source,
                                             const RegisterOptions& options);

}  // namespace hpc::containerd

#endif  // HPC_IMPORTER_CONTAINERD_REGISTER_IMAGE_H_
