#include "importer/registry/registry_client.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "importer/oci/digester.h"
#include "importer/oci/json.h"
#include "importer/oci/media_types.h"
#include "importer/registry/auth_challenge.h"

namespace hpc::registry {
namespace {

constexpr size_t kManifestLimit = 4 << 20;
constexpr char kSchema1[] =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";

// What the registry said in an error body ({"errors":[{"code","message"}]}).
std::string RegistryErrors(const std::string& body) {
  oci::Json doc = oci::Json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("errors") ||
      !doc["errors"].is_array()) {
    return "";
  }
  std::vector<std::string> out;
  for (const oci::Json& e : doc["errors"]) {
    if (!e.is_object()) continue;
    std::string code = e.value("code", ""), message = e.value("message", "");
    out.push_back(message.empty() ? code : absl::StrCat(code, ": ", message));
  }
  return absl::StrJoin(out, "; ");
}

class RegistryBlobStream final : public image::BlobStream {
 public:
  RegistryBlobStream(RegistryClient& client, oci::Descriptor blob,
                     std::string path, std::unique_ptr<HttpResponse> response,
                     int attempts)
      : client_(client),
        blob_(std::move(blob)),
        path_(std::move(path)),
        response_(std::move(response)),
        attempts_(attempts) {}

  bool verifies() const override { return true; }

  absl::StatusOr<size_t> Read(char* dst, size_t n) override {
    while (true) {
      auto got = response_->Read(dst, n);
      if (got.ok()) {
        if (*got == 0) {
          if (absl::Status s = Finish(); !s.ok()) return s;
          return 0;
        }
        offset_ += *got;
        if (offset_ > static_cast<uint64_t>(blob_.size)) {
          return Mismatch(
              absl::StrCat("more than its ", blob_.size, " bytes arrived"));
        }
        digester_.Update(absl::string_view(dst, *got));
        return *got;
      }
      if (!absl::IsUnavailable(got.status()) || --attempts_ <= 0) {
        return got.status();
      }
      // Resume where the transfer broke.
      if (absl::Status s = Resume(); !s.ok()) return s;
    }
  }

 private:
  absl::Status Resume() {
    const std::string range = absl::StrCat("Range: bytes=", offset_, "-");
    auto response =
        client_.Request(Bodyless(client_, "GET", path_, {range}), "pull");
    if (!response.ok()) return response.status();
    if ((*response)->status() == 206) {
      response_ = std::move(*response);
      return absl::OkStatus();
    }
    if ((*response)->status() == 200) {
      // No ranges: read again from the start, skipping what was read.
      uint64_t length = 0;
      if (absl::SimpleAtoi((*response)->Header("content-length"), &length) &&
          length != static_cast<uint64_t>(blob_.size)) {
        return absl::UnavailableError(absl::StrCat(
            client_.name(), ": resuming blob ", blob_.digest.str(),
            ": the registry answered a Range request with 200 and ", length,
            " of its ", blob_.size, " bytes"));
      }
      response_ = std::move(*response);
      uint64_t skip = offset_;
      char buffer[64 << 10];
      while (skip > 0) {
        auto got =
            response_->Read(buffer, std::min<uint64_t>(skip, sizeof(buffer)));
        if (!got.ok()) return got.status();
        if (*got == 0) return Mismatch("it ended early when resumed");
        skip -= *got;
      }
      return absl::OkStatus();
    }
    return absl::UnavailableError(
        absl::StrCat(client_.name(), ": resuming blob ", blob_.digest.str(),
                     " at byte ", offset_, ": HTTP ", (*response)->status()));
  }

  absl::Status Finish() {
    if (offset_ != static_cast<uint64_t>(blob_.size)) {
      return Mismatch(
          absl::StrCat(offset_, " bytes arrived, not ", blob_.size));
    }
    oci::Digest got = digester_.Current();
    if (got != blob_.digest) {
      return Mismatch(absl::StrCat("its bytes hash to ", got.str()));
    }
    return absl::OkStatus();
  }

  absl::Status Mismatch(absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat(client_.name(), ": blob ", blob_.digest.str(),
                     " does not match its digest: ", why,
                     " (the registry's copy is corrupt; nothing was kept)"));
  }

  RegistryClient& client_;
  oci::Descriptor blob_;
  std::string path_;
  std::unique_ptr<HttpResponse> response_;
  int attempts_;
  uint64_t offset_ = 0;
  oci::Digester digester_;
};

}  // namespace

bool RetryableStatus(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

absl::Duration RetryDelay(const HttpResponse* response, int attempt,
                          absl::Duration first) {
  if (response != nullptr) {
    int seconds = 0;
    if (absl::SimpleAtoi(response->Header("retry-after"), &seconds) &&
        seconds >= 0) {
      return absl::Seconds(std::min(seconds, 60));
    }
  }
  return std::min(first * (1 << std::min(attempt, 6)), absl::Seconds(16));
}

std::function<HttpRequest()> Bodyless(const RegistryClient& client,
                                      std::string method, std::string path,
                                      std::vector<std::string> headers) {
  return [&client, method = std::move(method), path = std::move(path),
          headers = std::move(headers)] {
    HttpRequest r;
    r.method = method;
    r.url = client.Url(path);
    r.headers = headers;
    return r;
  };
}

const char* ManifestAccept() {
  return "Accept: application/vnd.oci.image.index.v1+json, "
         "application/vnd.oci.image.manifest.v1+json, "
         "application/vnd.docker.distribution.manifest.list.v2+json, "
         "application/vnd.docker.distribution.manifest.v2+json";
}

absl::StatusOr<std::unique_ptr<RegistryClient>> RegistryClient::Create(
    RegistryReference reference, RegistryOptions options) {
  TlsOptions tls;
  tls.verify = options.tls_verify;
  if (!options.cert_dir.empty()) {
    std::error_code ec;
    const std::filesystem::path dir(options.cert_dir);
    if (!std::filesystem::is_directory(dir, ec)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--cert-dir ", options.cert_dir, ": not a directory"));
    }
    if (std::filesystem::exists(dir / "ca.crt", ec))
      tls.ca_file = (dir / "ca.crt").string();
    const bool cert = std::filesystem::exists(dir / "client.cert", ec);
    const bool key = std::filesystem::exists(dir / "client.key", ec);
    if (cert != key) {
      return absl::InvalidArgumentError(
          absl::StrCat("--cert-dir ", options.cert_dir,
                       ": client.cert and client.key go together; only ",
                       cert ? "client.cert" : "client.key", " is there"));
    }
    if (cert) {
      tls.client_cert = (dir / "client.cert").string();
      tls.client_key = (dir / "client.key").string();
    }
  }
  RegistryHost server;
  server.url = absl::StrCat(options.plain_http ? "http" : "https", "://",
                            reference.ApiHost());
  server.api_root = absl::StrCat(server.url, "/v2");
  server.tls = tls;
  auto hosts = LoadRegistryHosts(options.hosts_dir, reference.domain, server);
  if (!hosts.ok()) return hosts.status();
  auto client = std::unique_ptr<RegistryClient>(new RegistryClient(
      std::move(reference), std::move(options), std::move(*hosts)));
  return client;
}

absl::Status RegistryClient::UsePushHost() {
  for (size_t i = 0; i < hosts_.size(); ++i) {
    if (hosts_[i].push) {
      std::lock_guard<std::mutex> lock(mu_);
      host_ = i;
      return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError(absl::StrCat(
      name(), ": no host of ", options_.hosts_dir, "/", reference_.domain,
      "/hosts.toml has the push capability"));
}

std::string RegistryClient::name() const {
  return absl::StrCat("docker://", reference_.Name());
}

std::string RegistryClient::Url(absl::string_view path) const {
  return absl::StrCat(host().api_root, "/", reference_.repository, "/", path);
}

std::string RegistryClient::AuthorizationFor(const std::string& scope) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = authorization_.find(scope);
  return it == authorization_.end() ? "" : it->second;
}

absl::Status RegistryClient::Authenticate(const HttpResponse& unauthorized,
                                          const std::string& scope) {
  std::lock_guard<std::mutex> one_at_a_time(auth_mu_);
  std::optional<AuthChallenge> challenge =
      ParseAuthChallenge(unauthorized.Header("www-authenticate"));
  if (!challenge) return Refused(401, "");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!credentials_) {
      auto found = FindCredentials(reference_.domain, options_.credentials);
      if (!found.ok()) {
        return absl::Status(
            found.status().code(),
            absl::StrCat(name(), ": credentials for ", reference_.domain, ": ",
                         found.status().message()));
      }
      credentials_ = *found;
    }
  }
  const Credentials& creds = credentials_->credentials;
  const std::string basic =
      creds.empty()
          ? ""
          : absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(
                                       creds.username, ":", creds.password)));
  std::string value;
  if (challenge->scheme == "basic") {
    if (creds.empty()) return Refused(401, "");
    value = basic;
  } else if (challenge->scheme == "bearer") {
    std::string realm = challenge->Param("realm");
    if (realm.empty()) {
      return absl::UnavailableError(absl::StrCat(
          name(), ": the registry asks for a Bearer token but names no realm"));
    }
    std::string url =
        absl::StrCat(realm, absl::StrContains(realm, '?') ? "&" : "?",
                     "scope=", UrlEncode(scope));
    if (std::string service = challenge->Param("service"); !service.empty())
      absl::StrAppend(&url, "&service=", UrlEncode(service));
    HttpRequest request;
    request.url = url;
    if (!basic.empty()) request.headers.push_back("Authorization: " + basic);
    auto response = Send(request, host().tls);
    if (!response.ok()) {
      return absl::Status(response.status().code(),
                          absl::StrCat(name(), ": token from ", realm, ": ",
                                       response.status().message()));
    }
    auto body = (*response)->ReadAll(1 << 20);
    if (!body.ok()) return body.status();
    if ((*response)->status() == 401 || (*response)->status() == 403) {
      return Refused((*response)->status(), "");
    }
    if ((*response)->status() != 200) {
      return absl::UnavailableError(absl::StrCat(
          name(), ": token from ", realm, ": HTTP ", (*response)->status()));
    }
    oci::Json doc = oci::Json::parse(*body, nullptr, false);
    std::string token;
    if (doc.is_object()) {
      token = doc.value("token", "");
      if (token.empty()) token = doc.value("access_token", "");
    }
    if (token.empty()) {
      return absl::UnavailableError(absl::StrCat(
          name(), ": the token server at ", realm, " answered no token"));
    }
    value = absl::StrCat("Bearer ", token);
  } else {
    return absl::UnimplementedError(
        absl::StrCat(name(), ": the registry asks for ", challenge->scheme,
                     " authentication, which is not supported"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  authorization_[scope] = value;
  return absl::OkStatus();
}

absl::Status RegistryClient::Refused(long status, const std::string& what) {
  std::string where;
  if (credentials_ && !credentials_->credentials.empty()) {
    where = absl::StrCat("the credentials from ", credentials_->source,
                         " were refused");
  } else {
    std::vector<std::string> looked =
        credentials_ ? credentials_->looked_in : std::vector<std::string>{};
    where = absl::StrCat(
        "no credentials for ", reference_.domain, " were found",
        looked.empty()
            ? ""
            : absl::StrCat(" (looked in ", absl::StrJoin(looked, ", "), ")"),
        "; give them with --creds USER[:PASS] or --authfile FILE");
  }
  std::string text = absl::StrCat(
      name(), ": ", status == 403 ? "403 Forbidden" : "401 Unauthorized",
      " from ", reference_.domain,
      what.empty() ? "" : absl::StrCat(" (", what, ")"), ": ", where);
  return status == 403 ? absl::PermissionDeniedError(text)
                       : absl::UnauthenticatedError(text);
}

std::string RegistryClient::Describe(HttpResponse& response) {
  auto body = response.ReadAll(1 << 20);
  std::string errors = body.ok() ? RegistryErrors(*body) : "";
  return absl::StrCat("HTTP ", response.status(),
                      errors.empty() ? "" : absl::StrCat(" (", errors, ")"));
}

absl::StatusOr<std::unique_ptr<HttpResponse>> RegistryClient::Request(
    const std::function<HttpRequest()>& make, absl::string_view actions,
    const std::vector<std::string>& extra_repositories, int attempts) {
  const int tries = attempts > 0        ? attempts
                    : host_attempts_ > 0 ? host_attempts_
                                         : options_.attempts;
  std::string scope =
      absl::StrCat("repository:", reference_.repository, ":", actions);
  for (const std::string& repo : extra_repositories)
    absl::StrAppend(&scope, " repository:", repo, ":pull");
  bool authenticated = false;
  absl::Status last;
  for (int attempt = 0; attempt < tries; ++attempt) {
    HttpRequest request = make();
    if (absl::StartsWith(request.url, host().api_root)) {
      for (const std::string& h : host().headers) request.headers.push_back(h);
    }
    if (std::string auth = AuthorizationFor(scope); !auth.empty())
      request.headers.push_back("Authorization: " + auth);
    auto response = Send(request, host().tls);
    if (!response.ok()) {
      last = response.status();
      if (!absl::IsUnavailable(last) ||
          absl::StrContains(last.message(), "TLS:"))
        return last;
      if (attempt + 1 < tries)
        absl::SleepFor(RetryDelay(nullptr, attempt, options_.first_backoff));
      continue;
    }
    const long status = (*response)->status();
    if (status == 401) {
      if (authenticated) return Refused(401, "");
      if (absl::Status s = Authenticate(**response, scope); !s.ok()) return s;
      authenticated = true;
      --attempt;  // authenticating is not a failed attempt
      continue;
    }
    if (RetryableStatus(status) && attempt + 1 < tries) {
      absl::SleepFor(
          RetryDelay(response->get(), attempt, options_.first_backoff));
      continue;
    }
    if (RetryableStatus(status) && tries > 1) {
      return absl::UnavailableError(absl::StrCat(
          name(), ": ", request.method, " ", request.url, ": ",
          Describe(**response), " (gave up after ", tries, " attempts)"));
    }
    return response;
  }
  return absl::Status(last.code(),
                      absl::StrCat(name(), ": ", last.message(),
                                   " (gave up after ", tries, " attempts)"));
}

absl::StatusOr<FetchedManifest> RegistryClient::GetManifest(
    absl::string_view reference) {
  if (hosts_.size() == 1) return GetManifestFrom(reference);
  // Mirrors first, as hosts.toml lists them: a host that is down, fails or
  // lacks the manifest gives way to the next; the one that serves it serves
  // the blobs too.
  const bool by_digest = absl::StartsWith(reference, "sha256:");
  std::vector<std::string> tried;
  absl::Status last;
  for (size_t i = 0; i < hosts_.size(); ++i) {
    if (!(by_digest ? hosts_[i].pull : hosts_[i].resolve)) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      host_ = i;
    }
    const bool more = i + 1 < hosts_.size();
    host_attempts_ = more ? std::min(options_.attempts, 2) : 0;
    auto m = GetManifestFrom(reference);
    host_attempts_ = 0;
    if (m.ok()) return m;
    last = m.status();
    // What a mirror cannot change: a manifest that does not match its
    // digest, one that is not an image.
    if (absl::IsDataLoss(last) || absl::IsInvalidArgument(last) ||
        absl::IsUnimplemented(last)) {
      return last;
    }
    tried.push_back(absl::StrCat(hosts_[i].url, " (", last.message(), ")"));
  }
  if (tried.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        name(), ": no host of ", options_.hosts_dir, "/", reference_.domain,
        "/hosts.toml may ", by_digest ? "pull" : "resolve", " ", reference));
  }
  return absl::Status(last.code(),
                      absl::StrCat(name(), ": manifest ", reference,
                                   ": every host failed: ",
                                   absl::StrJoin(tried, "; ")));
}

absl::StatusOr<FetchedManifest> RegistryClient::GetManifestFrom(
    absl::string_view reference) {
  const std::string path = absl::StrCat("manifests/", reference);
  auto response =
      Request(Bodyless(*this, "GET", path, {ManifestAccept()}), "pull");
  if (!response.ok()) return response.status();
  auto body = (*response)->ReadAll(kManifestLimit);
  if (!body.ok()) return body.status();
  const long status = (*response)->status();
  if (status == 404) {
    return absl::NotFoundError(absl::StrCat(name(), ": no manifest ", reference,
                                            " in ", reference_.repository,
                                            " at ", reference_.domain));
  }
  if (status == 403) return Refused(403, "");
  if (status != 200) {
    std::string errors = RegistryErrors(*body);
    return absl::UnavailableError(
        absl::StrCat(name(), ": manifest ", reference, ": HTTP ", status,
                     errors.empty() ? "" : absl::StrCat(" (", errors, ")")));
  }
  FetchedManifest m;
  m.bytes = std::move(*body);
  std::string type = (*response)->Header("content-type");
  type =
      std::string(absl::StripAsciiWhitespace(type.substr(0, type.find(';'))));
  if (!oci::IsManifest(type) && !oci::IsIndex(type)) {
    oci::Json doc = oci::Json::parse(m.bytes, nullptr, false);
    if (doc.is_object() && doc.contains("mediaType") &&
        doc["mediaType"].is_string()) {
      type = doc["mediaType"].get<std::string>();
    }
  }
  if (type == kSchema1 ||
      absl::StartsWith(type,
                       "application/vnd.docker.distribution.manifest.v1")) {
    return absl::UnimplementedError(
        absl::StrCat(name(), ": manifest ", reference,
                     " is Docker schema 1, which containerd no longer pulls"));
  }
  if (!oci::IsManifest(type) && !oci::IsIndex(type)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name(), ": manifest ", reference, " has media type \"",
                     type, "\", neither an image manifest nor an index"));
  }
  m.descriptor.media_type = type;
  m.descriptor.digest = oci::Digester::Of(m.bytes);
  m.descriptor.size = static_cast<int64_t>(m.bytes.size());
  if (absl::StartsWith(reference, "sha256:") &&
      m.descriptor.digest.str() != reference) {
    return absl::DataLossError(absl::StrCat(name(), ": manifest ", reference,
                                            " does not match its digest: its "
                                            "bytes hash to ",
                                            m.descriptor.digest.str()));
  }
  return m;
}

absl::StatusOr<std::unique_ptr<image::BlobStream>> RegistryClient::OpenBlob(
    const oci::Descriptor& blob) {
  const bool manifest =
      oci::IsManifest(blob.media_type) || oci::IsIndex(blob.media_type);
  const std::string path =
      absl::StrCat(manifest ? "manifests/" : "blobs/", blob.digest.str());
  std::vector<std::string> headers;
  if (manifest) headers.push_back(ManifestAccept());
  auto response = Request(Bodyless(*this, "GET", path, headers), "pull");
  if (!response.ok()) return response.status();
  const long status = (*response)->status();
  if (status != 200) {
    auto body = (*response)->ReadAll(1 << 20);
    std::string errors = body.ok() ? RegistryErrors(*body) : "";
    std::string text =
        absl::StrCat(name(), ": ", manifest ? "manifest " : "blob ",
                     blob.digest.str(), ": HTTP ", status,
                     errors.empty() ? "" : absl::StrCat(" (", errors, ")"));
    if (status == 404) return absl::NotFoundError(text);
    if (status == 403) return Refused(403, "");
    return absl::UnavailableError(text);
  }
  return std::unique_ptr<image::BlobStream>(new RegistryBlobStream(
      *this, blob, path, std::move(*response), options_.attempts));
}

}  // namespace hpc::registry
