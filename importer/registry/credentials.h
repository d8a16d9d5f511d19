// Where the credentials for a registry come from, in the order a user of
// skopeo or docker expects: --creds, --authfile, $REGISTRY_AUTH_FILE,
// $DOCKER_CONFIG/config.json or ~/.docker/config.json (its credHelpers,
// auths and credsStore, the helpers run as `docker-credential-NAME get`).
#ifndef HPC_IMPORTER_REGISTRY_CREDENTIALS_H_
#define HPC_IMPORTER_REGISTRY_CREDENTIALS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::registry {

struct Credentials {
  std::string username;
  std::string password;
  bool empty() const { return username.empty() && password.empty(); }
};

struct CredentialOptions {
  std::string creds;     // --creds USER[:PASS]
  std::string authfile;  // --authfile FILE
};

struct FoundCredentials {
  Credentials credentials;             // empty: anonymous
  std::string source;                  // where they came from, for messages
  std::vector<std::string> looked_in;  // every place tried, in order
};

// The credentials for `domain` ("docker.io", "host:5000"). An error only
// when a place that should hold them is broken: an unreadable or invalid
// file, a credential helper that is missing or fails.
absl::StatusOr<FoundCredentials> FindCredentials(
    absl::string_view domain, const CredentialOptions& options);

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_CREDENTIALS_H_
