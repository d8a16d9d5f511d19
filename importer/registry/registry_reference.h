// A reference to an image in a registry, as the docker:// transport names
// it: HOST[:PORT]/REPO[:TAG|@sha256:HEX]. Names without a registry host are
// Docker Hub's and normalise as containerd normalises them: "busybox" is
// docker.io/library/busybox:latest.
#ifndef HPC_IMPORTER_REGISTRY_REGISTRY_REFERENCE_H_
#define HPC_IMPORTER_REGISTRY_REGISTRY_REFERENCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::registry {

struct RegistryReference {
  std::string domain;      // "docker.io", "127.0.0.1:5000", "localhost"
  std::string repository;  // "library/busybox"
  std::string tag;         // empty when only a digest is given
  std::string digest;      // "sha256:…", may be empty

  // Parses the part after "docker://". InvalidArgument names `text` and
  // what is wrong with it.
  static absl::StatusOr<RegistryReference> Parse(absl::string_view text);

  // The host the registry API is on: docker.io's is registry-1.docker.io.
  std::string ApiHost() const;
  // The tag or digest to ask /v2/REPO/manifests/ for (the digest if both).
  const std::string& ManifestReference() const {
    return digest.empty() ? tag : digest;
  }
  // domain/repository[:tag][@digest], containerd's normalised form.
  std::string ToString() const;
  // domain/repository
  std::string Name() const;
};

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_REGISTRY_REFERENCE_H_
