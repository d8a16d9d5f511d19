// HTTP requests for the registry client, through libcurl: one request, its
// response's status and headers, and its body streamed as it is read (never
// more than about a megabyte held). Redirects are followed; a request's own
// Authorization header is not sent to another host.
#ifndef HPC_IMPORTER_REGISTRY_HTTP_CLIENT_H_
#define HPC_IMPORTER_REGISTRY_HTTP_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::registry {

struct TlsOptions {
  bool verify = true;       // check the server's certificate and name
  std::string ca_file;      // trust these CAs too (PEM); empty: system CAs
  std::string client_cert;  // PEM certificate to present, with client_key
  std::string client_key;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  // The body: `body`, or `body_size` bytes pulled from `body_reader` (which
  // returns how many it wrote to the buffer, 0 at the end, or an error).
  std::string body;
  std::function<absl::StatusOr<size_t>(char*, size_t)> body_reader;
  uint64_t body_size = 0;
  bool follow_redirects = true;
};

// A response whose body is read as it arrives.
class HttpResponse {
 public:
  virtual ~HttpResponse() = default;
  virtual long status() const = 0;
  // The final response's header, by lower-case name; "" when absent.
  virtual std::string Header(absl::string_view name) const = 0;
  // The URL of the final response (after redirects).
  virtual const std::string& url() const = 0;
  // Up to `n` bytes of the body; 0 at its end. An error when the transfer
  // breaks (Unavailable, naming the URL and curl's reason).
  virtual absl::StatusOr<size_t> Read(char* dst, size_t n) = 0;
  // The rest of the body, refusing more than `limit` bytes.
  absl::StatusOr<std::string> ReadAll(size_t limit);
};

// Sends `request` and returns once the response's status and headers are
// in. A connection or TLS failure is Unavailable (TLS failures say so).
absl::StatusOr<std::unique_ptr<HttpResponse>> Send(const HttpRequest& request,
                                                   const TlsOptions& tls);

// Percent-encodes a query value.
std::string UrlEncode(absl::string_view value);

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_HTTP_CLIENT_H_
