// Image references in skopeo's transport:details form.
//
//   base:[VERSION]               the HostProcess base image, generated
//   oci:DIR[:TAG]                an OCI image layout directory
//   oci-archive:FILE[:TAG]       a tar of an OCI image layout
//   docker-archive:FILE[:REF]    a `docker save` tarball
//   containerd:NAME              an image record in containerd
//   docker://HOST/REPO[:TAG]     an image in a registry
//
// The path ends at the first ':' after the transport, as in skopeo.
#ifndef HPC_IMPORTER_TRANSPORT_REFERENCE_H_
#define HPC_IMPORTER_TRANSPORT_REFERENCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::transport {

enum class Transport {
  kBase,
  kOci,
  kOciArchive,
  kDockerArchive,
  kContainerd,
  kDocker,
};

struct Reference {
  Transport transport;
  // DIR or FILE; the version for base:; the name for containerd:; what
  // follows docker:// (HOST/REPO[:TAG|@DIGEST]).
  std::string path;
  std::string tag;   // TAG or REF after the path, may be empty
  std::string text;  // as the user wrote it

  static absl::StatusOr<Reference> Parse(absl::string_view text);
};

absl::string_view TransportName(Transport transport);

}  // namespace hpc::transport

#endif  // HPC_IMPORTER_TRANSPORT_REFERENCE_H_
