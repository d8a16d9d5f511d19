#include "importer/registry/credential_helper.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "importer/oci/json.h"
#include "importer/registry/helper_process.h"

namespace hpc::registry {

absl::StatusOr<std::optional<Credentials>> RunCredentialHelper(
    absl::string_view helper, absl::string_view server) {
  const std::string program = absl::StrCat("docker-credential-", helper);
  auto run = RunHelperProcess(program, "get", absl::StrCat(server, "\n"));
  if (!run.ok()) {
    if (absl::IsNotFound(run.status())) {
      return absl::NotFoundError(absl::StrCat(
          "credential helper ", program,
          " is not on PATH (named by the Docker config's credHelpers or "
          "credsStore)"));
    }
    return run.status();
  }
  if (!run->exited_zero) {
    // Helpers print "credentials not found in native keychain" when they
    // have none; anything else is a failure.
    if (absl::StrContains(run->output, "credentials not found")) {
      return std::optional<Credentials>();
    }
    return absl::UnavailableError(
        absl::StrCat(program, " get failed for ", server, ": ",
                     absl::StripAsciiWhitespace(run->output.substr(0, 200))));
  }
  // Never quote what a helper printed: it holds a secret.
  auto doc = oci::Json::parse(run->output, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return absl::UnavailableError(
        absl::StrCat(program, " get answered something that is not JSON"));
  }
  Credentials c;
  if (auto it = doc.find("Username"); it != doc.end() && it->is_string())
    c.username = it->get<std::string>();
  if (auto it = doc.find("Secret"); it != doc.end() && it->is_string())
    c.password = it->get<std::string>();
  if (c.empty()) return std::optional<Credentials>();
  return std::optional<Credentials>(c);
}

}  // namespace hpc::registry
