// How hpcimg reaches a registry: credentials, TLS and retries. Kept apart
// from the client so that builds without the registry client (Windows) can
// still carry the options.
#ifndef HPC_IMPORTER_REGISTRY_REGISTRY_OPTIONS_H_
#define HPC_IMPORTER_REGISTRY_REGISTRY_OPTIONS_H_

#include <string>

#include "absl/time/time.h"
#include "importer/registry/credentials.h"

namespace hpc::registry {

struct RegistryOptions {
  CredentialOptions credentials;
  // containerd's hosts.d layout: ca.crt, client.cert and client.key.
  std::string cert_dir;
  // containerd's hosts.toml folder (mirrors, per-host TLS); empty: none.
  std::string hosts_dir;
  bool tls_verify = true;
  bool plain_http = false;  // http:// instead of https://
  int attempts = 5;         // per request, on failures worth retrying
  absl::Duration first_backoff = absl::Milliseconds(500);
};

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_REGISTRY_OPTIONS_H_
