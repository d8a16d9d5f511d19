// containerd's registry host configuration (hosts.toml, as nodes configure
// mirrors): DIR/HOST/hosts.toml, else DIR/_default/hosts.toml, names the
// hosts to try for HOST, in the order the file lists them, then `server`
// (by default the registry itself). Each host has its capabilities (pull,
// resolve, push), its CA certificates (`ca`, relative paths from the
// host's folder), client certificates (`client`), `skip_verify`, headers
// (`[host."…".header]`), and `override_path` (the URL's path is the API's
// root, without /v2 added). A host folder without hosts.toml holds Docker's
// certificate files instead (*.crt, *.cert and *.key), for the registry.
#ifndef HPC_IMPORTER_REGISTRY_HOSTS_CONFIG_H_
#define HPC_IMPORTER_REGISTRY_HOSTS_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/registry/http_client.h"

namespace hpc::registry {

struct RegistryHost {
  std::string url;       // "https://mirror.example.com:5000", for messages
  std::string api_root;  // where /REPOSITORY/manifests/… goes: ".../v2"
  bool pull = true, resolve = true, push = true;
  TlsOptions tls;
  std::vector<std::string> headers;  // "Name: value"
};

// The hosts for registry `host` ("docker.io", "127.0.0.1:5000") from
// `hosts_dir`; `server` is the registry's own endpoint, which the file's
// `server` replaces. Without a configuration for `host`: `server` alone.
// Errors name the file.
absl::StatusOr<std::vector<RegistryHost>> LoadRegistryHosts(
    const std::string& hosts_dir, const std::string& host,
    const RegistryHost& server);

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_HOSTS_CONFIG_H_
