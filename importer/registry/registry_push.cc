#include "importer/registry/registry_push.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "importer/oci/media_types.h"
#include "importer/registry/registry_client.h"

namespace hpc::registry {
namespace {

class Pusher {
 public:
  Pusher(RegistryClient& client, image::ImageSource& source,
         const PushOptions& push)
      : client_(client), source_(source), push_(push) {}

  // Pushes one blob, starting over (a new upload) when the transfer breaks.
  absl::StatusOr<BlobOutcome> PushBlob(const oci::Descriptor& blob) {
    if (oci::IsNonDistributable(blob.media_type) &&
        !push_.include_nondistributable) {
      return BlobOutcome::kSkipped;
    }
    const int attempts = std::max(1, client_.options().attempts);
    absl::Status last;
    for (int attempt = 0; attempt < attempts; ++attempt) {
      auto outcome = TryPushBlob(blob);
      if (outcome.ok() || !absl::IsUnavailable(outcome.status())) {
        return outcome;
      }
      last = outcome.status();
      if (attempt + 1 < attempts) {
        absl::SleepFor(
            RetryDelay(nullptr, attempt, client_.options().first_backoff));
      }
    }
    return absl::Status(
        last.code(), absl::StrCat(last.message(), " (gave up after ", attempts,
                                  " attempts)"));
  }

  absl::Status PutManifest(const oci::Descriptor& manifest,
                           const std::string& reference) {
    auto bytes = image::ReadSmallBlob(source_, manifest);
    if (!bytes.ok()) return bytes.status();
    const std::string path = absl::StrCat("manifests/", reference);
    auto response = client_.Request(
        [&] {
          HttpRequest r;
          r.method = "PUT";
          r.url = client_.Url(path);
          r.headers = {absl::StrCat("Content-Type: ", manifest.media_type)};
          r.body = *bytes;
          return r;
        },
        "pull,push");
    if (!response.ok()) return response.status();
    if ((*response)->status() != 201 && (*response)->status() != 200) {
      return Failed(
          absl::StrCat("manifest ", manifest.digest.str(), " as ", reference),
          **response);
    }
    const std::string echoed = (*response)->Header("docker-content-digest");
    if (!echoed.empty() && echoed != manifest.digest.str()) {
      return absl::DataLossError(absl::StrCat(
          client_.name(), ": the registry stored manifest ",
          manifest.digest.str(), " as ", echoed,
          "; it rewrote the manifest, so the pushed digest is not the one "
          "written"));
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<BlobOutcome> TryPushBlob(const oci::Descriptor& blob) {
    auto present = Exists(blob);
    if (!present.ok()) return present.status();
    if (*present) return BlobOutcome::kPresent;
    bool mounted = false;
    auto location = StartUpload(blob, &mounted);
    if (!location.ok()) return location.status();
    if (mounted) return BlobOutcome::kMounted;
    if (absl::Status s = Upload(blob, *location); !s.ok()) return s;
    return BlobOutcome::kUploaded;
  }

  absl::StatusOr<bool> Exists(const oci::Descriptor& blob) {
    const std::string path = absl::StrCat("blobs/", blob.digest.str());
    auto response =
        client_.Request(Bodyless(client_, "HEAD", path), "pull,push");
    if (!response.ok()) return response.status();
    const long status = (*response)->status();
    if (status == 200) return true;
    if (status == 404) return false;
    return Failed(absl::StrCat("checking blob ", blob.digest.str()),
                  **response);
  }

  // Starts an upload session (or mounts the blob): the session's URL.
  absl::StatusOr<std::string> StartUpload(const oci::Descriptor& blob,
                                          bool* mounted) {
    for (const std::string& from : push_.mount_from) {
      if (from == client_.reference().repository) continue;
      const std::string path =
          absl::StrCat("blobs/uploads/?mount=", UrlEncode(blob.digest.str()),
                       "&from=", UrlEncode(from));
      auto response =
          client_.Request(Bodyless(client_, "POST", path), "pull,push", {from});
      if (!response.ok()) return response.status();
      if ((*response)->status() == 201) {
        *mounted = true;
        return std::string();
      }
      // 202: not mounted; the registry opened an upload instead.
      if ((*response)->status() == 202) return Location(**response);
    }
    auto response = client_.Request(Bodyless(client_, "POST", "blobs/uploads/"),
                                    "pull,push");
    if (!response.ok()) return response.status();
    if ((*response)->status() != 202) {
      return Failed(absl::StrCat("starting the upload of ", blob.digest.str()),
                    **response);
    }
    return Location(**response);
  }

  absl::StatusOr<std::string> Location(HttpResponse& response) {
    std::string location = response.Header("location");
    if (location.empty()) {
      return absl::UnavailableError(
          absl::StrCat(client_.name(),
                       ": the registry opened an upload without a Location"));
    }
    if (absl::StartsWith(location, "http://") ||
        absl::StartsWith(location, "https://")) {
      return location;
    }
    // Relative to the registry: scheme://host + location.
    const std::string base = client_.Url("");
    const size_t host_end = base.find('/', base.find("://") + 3);
    return absl::StrCat(base.substr(0, host_end), location);
  }

  static std::string WithDigest(const std::string& url,
                                const oci::Digest& digest) {
    return absl::StrCat(url, absl::StrContains(url, '?') ? "&" : "?",
                        "digest=", UrlEncode(digest.str()));
  }

  // Sends the bytes of `blob` to the upload session at `location`.
  absl::Status Upload(const oci::Descriptor& blob, std::string location) {
    auto stream = source_.Open(blob);
    if (!stream.ok()) return stream.status();
    const uint64_t size = static_cast<uint64_t>(blob.size);
    uint64_t sent = 0;
    auto reader = [&](char* dst, size_t n) -> absl::StatusOr<size_t> {
      auto got = (*stream)->Read(dst, n);
      if (got.ok() && *got > 0) {
        sent += *got;
        if (push_.on_progress) push_.on_progress(blob, sent);
      }
      return got;
    };
    const std::string what = absl::StrCat("uploading blob ", blob.digest.str());
    if (size <= push_.monolithic_limit) {
      // One request: the PUT that closes the session carries the bytes.
      std::string bytes;
      bytes.resize(size);
      size_t have = 0;
      while (have < size) {
        auto got = reader(bytes.data() + have, size - have);
        if (!got.ok()) return got.status();
        if (*got == 0) break;
        have += *got;
      }
      if (have != size) {
        return absl::DataLossError(absl::StrCat(source_.name(), ": blob ",
                                                blob.digest.str(), " has ",
                                                have, " bytes, not ", size));
      }
      auto response = client_.Request(
          [&] {
            HttpRequest r;
            r.method = "PUT";
            r.url = WithDigest(location, blob.digest);
            r.headers = {"Content-Type: application/octet-stream"};
            r.body = bytes;
            r.body_size = size;
            if (bytes.empty()) r.headers.push_back("Content-Length: 0");
            return r;
          },
          "pull,push", {}, 1);
      if (!response.ok()) return response.status();
      if ((*response)->status() != 201) return Failed(what, **response);
      return absl::OkStatus();
    }
    // Streamed: one PATCH with every byte, then the closing PUT.
    auto patch = client_.Request(
        [&] {
          HttpRequest r;
          r.method = "PATCH";
          r.url = location;
          r.headers = {"Content-Type: application/octet-stream"};
          r.body_reader = reader;
          r.body_size = size;
          return r;
        },
        "pull,push", {}, 1);
    if (!patch.ok()) return patch.status();
    if ((*patch)->status() != 202) return Failed(what, **patch);
    auto next = Location(**patch);
    if (!next.ok()) return next.status();
    auto put = client_.Request(
        [&] {
          HttpRequest r;
          r.method = "PUT";
          r.url = WithDigest(*next, blob.digest);
          r.headers = {"Content-Length: 0"};
          return r;
        },
        "pull,push", {}, 1);
    if (!put.ok()) return put.status();
    if ((*put)->status() != 201) return Failed(what, **put);
    return absl::OkStatus();
  }

  // A response that is not what the step wanted: retried (Unavailable)
  // when the registry may answer otherwise next time.
  absl::Status Failed(const std::string& what, HttpResponse& response) {
    const long status = response.status();
    std::string text = absl::StrCat(client_.name(), ": ", what, ": ",
                                    RegistryClient::Describe(response));
    if (status == 401 || status == 403) {
      absl::StrAppend(&text,
                      " (the credentials in use may pull but not push here)");
      return absl::PermissionDeniedError(text);
    }
    if (RetryableStatus(status)) return absl::UnavailableError(text);
    return absl::FailedPreconditionError(text);
  }

  RegistryClient& client_;
  image::ImageSource& source_;
  const PushOptions& push_;
};

}  // namespace

absl::StatusOr<PushReport> PushImage(image::ImageSource& source,
                                     absl::string_view reference,
                                     const RegistryOptions& options,
                                     const PushOptions& push) {
  auto ref = RegistryReference::Parse(reference);
  if (!ref.ok()) return ref.status();
  const oci::Descriptor& root = source.root();
  if (!ref->digest.empty() && ref->digest != root.digest.str()) {
    return absl::InvalidArgumentError(
        absl::StrCat("docker://", reference, ": the image's digest is ",
                     root.digest.str(), ", not the one the reference names"));
  }
  auto client = RegistryClient::Create(*ref, options);
  if (!client.ok()) return client.status();
  if (absl::Status s = (*client)->UsePushHost(); !s.ok()) return s;
  auto blobs = image::ListBlobs(source);
  if (!blobs.ok()) return blobs.status();

  PushReport report;
  report.root = root;
  report.blobs = static_cast<int>(blobs->size());
  report.name = ref->ToString();
  std::vector<oci::Descriptor> layers_and_configs, manifests;
  for (const oci::Descriptor& d : *blobs) {
    if (d.digest == root.digest) continue;
    (oci::IsManifest(d.media_type) || oci::IsIndex(d.media_type)
         ? manifests
         : layers_and_configs)
        .push_back(d);
  }

  Pusher pusher(**client, source, push);
  std::mutex mu;
  absl::Status first_error;
  // Pushes blob `i`; false once any blob has failed.
  auto push_one = [&](size_t i) {
    const oci::Descriptor& blob = layers_and_configs[i];
    auto outcome = pusher.PushBlob(blob);
    std::lock_guard<std::mutex> lock(mu);
    if (!outcome.ok()) {
      if (first_error.ok()) first_error = outcome.status();
      return false;
    }
    switch (*outcome) {
      case BlobOutcome::kPresent:
        ++report.present;
        break;
      case BlobOutcome::kMounted:
        ++report.mounted;
        break;
      case BlobOutcome::kUploaded:
        ++report.uploaded;
        break;
      case BlobOutcome::kSkipped:
        ++report.skipped;
        break;
    }
    if (push.on_blob) push.on_blob(blob, *outcome);
    return first_error.ok();
  };
  // The first blob alone: it authenticates, once, for all.
  if (!layers_and_configs.empty() && !push_one(0)) return first_error;
  std::atomic<size_t> next{1};
  auto work = [&] {
    for (size_t i = next++; i < layers_and_configs.size(); i = next++) {
      if (!push_one(i)) return;
    }
  };
  const int jobs =
      source.concurrent_reads() ? std::clamp<int>(push.jobs, 1, 64) : 1;
  std::vector<std::thread> workers;
  for (int i = 0; i < jobs - 1; ++i) workers.emplace_back(work);
  work();
  for (std::thread& t : workers) t.join();
  if (!first_error.ok()) return first_error;

  for (const oci::Descriptor& m : manifests) {
    if (absl::Status s = pusher.PutManifest(m, m.digest.str()); !s.ok())
      return s;
  }
  if (absl::Status s = pusher.PutManifest(root, ref->ManifestReference());
      !s.ok()) {
    return s;
  }
  return report;
}

}  // namespace hpc::registry
