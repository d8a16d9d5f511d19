#include "importer/dockerfile/url_download.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "importer/oci/digester.h"
#include "importer/registry/http_client.h"

namespace hpc::dockerfile {

bool IsUrl(absl::string_view source) {
  std::string lower = absl::AsciiStrToLower(source.substr(0, 8));
  return absl::StartsWith(lower, "http://") ||
         absl::StartsWith(lower, "https://");
}

absl::StatusOr<Download> DownloadUrl(const std::string& url,
                                     const std::string& file,
                                     const std::string& checksum,
                                     int64_t max_bytes) {
  if (!checksum.empty() &&
      (!absl::StartsWith(checksum, "sha256:") || checksum.size() != 71)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--checksum=", checksum, ": expected sha256: and 64 hex digits"));
  }
  Download d;
  d.file = file;
  std::string path = url.substr(0, url.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.pop_back();
  d.name = path.substr(path.rfind('/') + 1);
  if (d.name.empty() || path.find("://") + 3 > path.rfind('/')) {
    d.name = "index.html";  // a bare host, as Docker names it
  }
  registry::HttpRequest request;
  request.url = url;
  auto response = registry::Send(request, registry::TlsOptions{});
  if (!response.ok()) {
    return absl::Status(response.status().code(),
                        absl::StrCat("ADD ", url, ": ", response.status().message()));
  }
  if ((*response)->status() != 200) {
    return absl::NotFoundError(absl::StrCat("ADD ", url, ": the server answered ",
                                            (*response)->status()));
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return absl::InternalError(absl::StrCat("cannot create ", file));
  oci::Digester digester;
  std::string buffer(1 << 20, '\0');
  for (;;) {
    auto n = (*response)->Read(buffer.data(), buffer.size());
    if (!n.ok()) {
      return absl::Status(n.status().code(),
                          absl::StrCat("ADD ", url, ": ", n.status().message()));
    }
    if (*n == 0) break;
    d.size += static_cast<int64_t>(*n);
    if (d.size > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ADD ", url, ": larger than ", max_bytes, " bytes (see --max-entry-size)"));
    }
    digester.Update(absl::string_view(buffer.data(), *n));
    out.write(buffer.data(), static_cast<std::streamsize>(*n));
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("write ", file));
  d.digest = digester.Current().str();
  if (!checksum.empty() && absl::AsciiStrToLower(checksum) != d.digest) {
    return absl::DataLossError(absl::StrCat("ADD ", url, ": --checksum=", checksum,
                                            " does not match what the URL serves (",
                                            d.digest, ")"));
  }
  return d;
}

}  // namespace hpc::dockerfile
