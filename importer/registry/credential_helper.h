// A docker credential helper: `docker-credential-NAME get`, given the
// server on stdin, answers {"Username": …, "Secret": …} on stdout.
#ifndef HPC_IMPORTER_REGISTRY_CREDENTIAL_HELPER_H_
#define HPC_IMPORTER_REGISTRY_CREDENTIAL_HELPER_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "importer/registry/credentials.h"

namespace hpc::registry {

// nullopt when the helper has no credentials for `server`. NotFound when
// the helper is not on PATH; Unavailable when it fails otherwise.
absl::StatusOr<std::optional<Credentials>> RunCredentialHelper(
    absl::string_view helper, absl::string_view server);

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_CREDENTIAL_HELPER_H_
