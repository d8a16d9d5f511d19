// ADD https://…: the file at a URL, streamed to a scratch file through the
// registry client's HTTP layer (libcurl; redirects followed, certificates
// checked), its SHA-256 taken on the way and, with --checksum, compared.
#ifndef HPC_IMPORTER_DOCKERFILE_URL_DOWNLOAD_H_
#define HPC_IMPORTER_DOCKERFILE_URL_DOWNLOAD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::dockerfile {

struct Download {
  std::string file;    // where the bytes are
  std::string name;    // the URL path's last component: "kube-proxy.exe"
  std::string digest;  // "sha256:…"
  int64_t size = 0;
};

// True for what ADD fetches: http:// and https:// URLs.
bool IsUrl(absl::string_view source);

// Downloads `url` into `file`. `checksum` ("sha256:HEX"), when not empty,
// must match, or the error names the URL and both digests. At most
// `max_bytes` are taken.
absl::StatusOr<Download> DownloadUrl(const std::string& url,
                                     const std::string& file,
                                     const std::string& checksum,
                                     int64_t max_bytes);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_URL_DOWNLOAD_H_
