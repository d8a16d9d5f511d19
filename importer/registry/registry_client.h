// A client of one repository of a registry (the OCI distribution API under
// /v2/): requests with retries and backoff, authentication on demand
// (anonymous, Bearer tokens from the registry's realm, Basic), manifests
// fetched and checked, blobs streamed with their digest verified while
// they are read and a broken download resumed with Range.
#ifndef HPC_IMPORTER_REGISTRY_REGISTRY_CLIENT_H_
#define HPC_IMPORTER_REGISTRY_REGISTRY_CLIENT_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "importer/image/image_source.h"
#include "importer/oci/descriptor.h"
#include "importer/registry/hosts_config.h"
#include "importer/registry/http_client.h"
#include "importer/registry/registry_options.h"
#include "importer/registry/registry_reference.h"

namespace hpc::registry {

struct FetchedManifest {
  std::string bytes;
  oci::Descriptor descriptor;  // media type, digest and size of `bytes`
};

class RegistryClient {
 public:
  // InvalidArgument when the options cannot work (a --cert-dir that is not
  // a directory).
  static absl::StatusOr<std::unique_ptr<RegistryClient>> Create(
      RegistryReference reference, RegistryOptions options);

  const RegistryReference& reference() const { return reference_; }
  // How messages name the repository: "docker://host/repo".
  std::string name() const;

  // The manifest or index `reference` (a tag or digest) names. NotFound
  // when there is none; DataLoss when its bytes do not match a digest
  // asked for.
  absl::StatusOr<FetchedManifest> GetManifest(absl::string_view reference);

  // A blob (or, by its media type, a manifest) streamed and verified: the
  // last Read fails with DataLoss, naming the blob, when the bytes do not
  // match `blob`'s digest and size.
  absl::StatusOr<std::unique_ptr<image::BlobStream>> OpenBlob(
      const oci::Descriptor& blob);

  // Sends what `make` builds to the registry with the authorization that
  // `actions` ("pull" or "pull,push") need on this repository (and `pull`
  // on `extra_repositories`): retried on connection failures, 408, 429
  // (after Retry-After) and 5xx; re-authenticated once on a 401. Any other
  // status is the caller's to read.
  // `attempts` (0: the options') bounds the tries; a request whose body
  // streams from a source that cannot be rewound is tried once.
  absl::StatusOr<std::unique_ptr<HttpResponse>> Request(
      const std::function<HttpRequest()>& make, absl::string_view actions,
      const std::vector<std::string>& extra_repositories = {},
      int attempts = 0);

  // The status a response's error body describes, for messages:
  // "HTTP 400 (DIGEST_INVALID: ...)".
  static std::string Describe(HttpResponse& response);
  const RegistryOptions& options() const { return options_; }

  // scheme://host/v2/REPOSITORY/`path`, on the host in use.
  std::string Url(absl::string_view path) const;

  // For a push: the first host with the push capability (the registry,
  // unless hosts.toml says otherwise).
  absl::Status UsePushHost();

 private:
  RegistryClient(RegistryReference reference, RegistryOptions options,
                 std::vector<RegistryHost> hosts)
      : reference_(std::move(reference)),
        options_(std::move(options)),
        hosts_(std::move(hosts)) {}
  absl::StatusOr<FetchedManifest> GetManifestFrom(absl::string_view reference);
  const RegistryHost& host() const { return hosts_[host_]; }

  absl::Status Authenticate(const HttpResponse& unauthorized,
                            const std::string& scope);
  absl::Status Refused(long status, const std::string& what);
  std::string AuthorizationFor(const std::string& scope);

  RegistryReference reference_;
  RegistryOptions options_;
  // Where requests go: the hosts hosts.toml names, then the registry; the
  // first that serves the manifest serves the rest.
  std::vector<RegistryHost> hosts_;
  size_t host_ = 0;
  int host_attempts_ = 0;  // a mirror with hosts after it: tried briefly
  std::mutex mu_;
  std::mutex auth_mu_;  // one authentication at a time
  std::optional<FoundCredentials> credentials_;
  // Authorization header values by scope.
  std::map<std::string, std::string> authorization_;
};

// The Accept header for manifests: OCI and Docker, manifests and indexes.
const char* ManifestAccept();

// Statuses worth another attempt: 408, 429 and 5xx.
bool RetryableStatus(long status);
// The wait before attempt `attempt` + 1: Retry-After in seconds when
// `response` gives one (at most a minute), else doubling from `first` up
// to 16 s. `response` may be null (a connection failure).
absl::Duration RetryDelay(const HttpResponse* response, int attempt,
                          absl::Duration first);

// A request without a body, for RegistryClient::Request.
std::function<HttpRequest()> Bodyless(const RegistryClient& client,
                                      std::string method, std::string path,
                                      std::vector<std::string> headers = {});

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_REGISTRY_CLIENT_H_
