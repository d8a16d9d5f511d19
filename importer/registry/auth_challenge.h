// A registry's WWW-Authenticate challenge: `Bearer realm="…",service="…",
// scope="…"` (a token is to be fetched from the realm) or `Basic realm="…"`.
#ifndef HPC_IMPORTER_REGISTRY_AUTH_CHALLENGE_H_
#define HPC_IMPORTER_REGISTRY_AUTH_CHALLENGE_H_

#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace hpc::registry {

struct AuthChallenge {
  std::string scheme;                         // lower case: "bearer", "basic"
  std::map<std::string, std::string> params;  // lower-case names
  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? "" : it->second;
  }
};

// The first challenge in a WWW-Authenticate header; nullopt when there is
// none that can be read.
std::optional<AuthChallenge> ParseAuthChallenge(absl::string_view header);

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_AUTH_CHALLENGE_H_
