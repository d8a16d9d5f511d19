#include "importer/registry/http_client.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace hpc::registry {
namespace {

// The body held before curl is paused until the reader catches up.
constexpr size_t kMaxPending = 1 << 20;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool IsTlsError(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CLIENTCERT:
      return true;
    default:
      return false;
  }
}

class CurlResponse final : public HttpResponse {
 public:
  CurlResponse() : easy_(curl_easy_init()), multi_(curl_multi_init()) {
    error_[0] = '\0';
  }
  ~CurlResponse() override {
    if (added_) curl_multi_remove_handle(multi_, easy_);
    curl_easy_cleanup(easy_);
    curl_multi_cleanup(multi_);
    curl_slist_free_all(headers_);
  }

  absl::Status Start(const HttpRequest& request, const TlsOptions& tls);

  long status() const override { return status_; }
  std::string Header(absl::string_view name) const override {
    auto it = response_headers_.find(absl::AsciiStrToLower(name));
    return it == response_headers_.end() ? "" : it->second;
  }
  const std::string& url() const override { return url_; }
  absl::StatusOr<size_t> Read(char* dst, size_t n) override;

 private:
  static size_t OnWrite(char* data, size_t size, size_t count, void* self);
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static size_t OnRead(char* data, size_t size, size_t count, void* self);
  // One round of transfer: runs curl, then waits up to a second for the
  // socket unless something happened.
  void Pump();
  absl::Status TransferError() const;

  CURL* easy_;
  CURLM* multi_;
  curl_slist* headers_ = nullptr;
  bool added_ = false;
  HttpRequest request_;
  size_t body_offset_ = 0;
  absl::Status body_error_;
  std::string pending_;
  size_t pending_pos_ = 0;
  bool paused_ = false;
  bool done_ = false;
  bool headers_complete_ = false;
  CURLcode result_ = CURLE_OK;
  long status_ = 0;
  std::map<std::string, std::string> response_headers_;
  std::string url_;
  char error_[CURL_ERROR_SIZE];
};

size_t CurlResponse::OnWrite(char* data, size_t size, size_t count,
                             void* self) {
  auto* r = static_cast<CurlResponse*>(self);
  if (r->pending_.size() - r->pending_pos_ >= kMaxPending) {
    r->paused_ = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  if (r->pending_pos_ > 0 && r->pending_pos_ * 2 >= r->pending_.size()) {
    r->pending_.erase(0, r->pending_pos_);
    r->pending_pos_ = 0;
  }
  r->pending_.append(data, size * count);
  return size * count;
}

size_t CurlResponse::OnHeader(char* data, size_t size, size_t count,
                              void* self) {
  auto* r = static_cast<CurlResponse*>(self);
  absl::string_view line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response (after a redirect or a 100 Continue).
    r->response_headers_.clear();
    r->headers_complete_ = false;
    absl::string_view rest = line.substr(line.find(' ') + 1);
    int code = 0;
    (void)absl::SimpleAtoi(rest.substr(0, 3), &code);
    r->status_ = code;
    return size * count;
  }
  absl::string_view trimmed = absl::StripAsciiWhitespace(line);
  if (trimmed.empty()) {
    const bool redirect = r->request_.follow_redirects && r->status_ >= 300 &&
                          r->status_ < 400 && !r->Header("location").empty();
    if (r->status_ >= 200 && !redirect) r->headers_complete_ = true;
    return size * count;
  }
  size_t colon = trimmed.find(':');
  if (colon != absl::string_view::npos) {
    r->response_headers_[absl::AsciiStrToLower(trimmed.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(trimmed.substr(colon + 1)));
  }
  return size * count;
}

size_t CurlResponse::OnRead(char* data, size_t size, size_t count, void* self) {
  auto* r = static_cast<CurlResponse*>(self);
  const size_t room = size * count;
  if (r->request_.body_reader) {
    auto n = r->request_.body_reader(data, room);
    if (!n.ok()) {
      r->body_error_ = n.status();
      return CURL_READFUNC_ABORT;
    }
    return *n;
  }
  const size_t n = std::min(room, r->request_.body.size() - r->body_offset_);
  std::memcpy(data, r->request_.body.data() + r->body_offset_, n);
  r->body_offset_ += n;
  return n;
}

absl::Status CurlResponse::Start(const HttpRequest& request,
                                 const TlsOptions& tls) {
  if (easy_ == nullptr || multi_ == nullptr) {
    return absl::ResourceExhaustedError("cannot start an HTTP transfer");
  }
  request_ = request;
  url_ = request.url;
  curl_easy_setopt(easy_, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_USERAGENT, "hpcimg");
  curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT, 30L);
  // A transfer that moves nothing for a minute is broken.
  curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION,
                   request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(easy_, CURLOPT_MAXREDIRS, 10L);
  // Redirects may go to another host (blob storage): curl sends a
  // request's own Authorization header only to the host it was set for.
  curl_easy_setopt(easy_, CURLOPT_UNRESTRICTED_AUTH, 0L);
  curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
  curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
  if (!tls.ca_file.empty())
    curl_easy_setopt(easy_, CURLOPT_CAINFO, tls.ca_file.c_str());
#ifdef _WIN32
  // No CA bundle ships with the Windows build: the system's store is the
  // trust anchor there, beside any ca file the host names.
  curl_easy_setopt(easy_, CURLOPT_SSL_OPTIONS, static_cast<long>(CURLSSLOPT_NATIVE_CA));
#endif
  if (!tls.client_cert.empty()) {
    curl_easy_setopt(easy_, CURLOPT_SSLCERT, tls.client_cert.c_str());
    curl_easy_setopt(easy_, CURLOPT_SSLKEY, tls.client_key.c_str());
  }
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &CurlResponse::OnWrite);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &CurlResponse::OnHeader);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  for (const std::string& h : request.headers)
    headers_ = curl_slist_append(headers_, h.c_str());
  const bool has_body = request.body_reader || !request.body.empty();
  if (has_body) headers_ = curl_slist_append(headers_, "Expect:");
  curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
  if (request.method == "HEAD") {
    curl_easy_setopt(easy_, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(easy_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy_, CURLOPT_READFUNCTION, &CurlResponse::OnRead);
    curl_easy_setopt(easy_, CURLOPT_READDATA, this);
    curl_easy_setopt(
        easy_, CURLOPT_INFILESIZE_LARGE,
        static_cast<curl_off_t>(request.body_reader ? request.body_size
                                                    : request.body.size()));
    curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method == "POST") {
    curl_easy_setopt(easy_, CURLOPT_POST, 1L);
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE, 0L);
  } else if (request.method != "GET") {
    curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (curl_multi_add_handle(multi_, easy_) != CURLM_OK) {
    return absl::ResourceExhaustedError("cannot start an HTTP transfer");
  }
  added_ = true;
  while (!headers_complete_ && !done_) Pump();
  if (done_ && result_ != CURLE_OK) return TransferError();
  if (!headers_complete_) {
    return absl::UnavailableError(
        absl::StrCat(request.method, " ", request.url, ": no response"));
  }
  char* effective = nullptr;
  if (curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &effective) ==
          CURLE_OK &&
      effective != nullptr) {
    url_ = effective;
  }
  return absl::OkStatus();
}

void CurlResponse::Pump() {
  int running = 0;
  curl_multi_perform(multi_, &running);
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg == CURLMSG_DONE) {
      done_ = true;
      result_ = msg->data.result;
    }
  }
  if (done_ || running == 0) {
    done_ = true;
    return;
  }
  if (pending_.size() > pending_pos_ || (headers_complete_ && paused_)) return;
  curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
}

absl::Status CurlResponse::TransferError() const {
  if (!body_error_.ok()) return body_error_;
  std::string why = error_[0] != '\0' ? error_ : curl_easy_strerror(result_);
  if (IsTlsError(result_) && absl::StrContains(why, "wrong version number")) {
    return absl::UnavailableError(absl::StrCat(
        request_.method, " ", request_.url, ": TLS: ", why,
        " (the server answers in plain HTTP: for such a registry give "
        "--plain-http)"));
  }
  if (IsTlsError(result_)) {
    return absl::UnavailableError(absl::StrCat(
        request_.method, " ", request_.url, ": TLS: ", why,
        " (trust the registry's CA with --cert-dir DIR holding ca.crt, or "
        "turn checks off with --tls-verify=false)"));
  }
  if (result_ == CURLE_COULDNT_RESOLVE_HOST) {
    // Not worth retrying: a name that does not resolve stays so.
    return absl::FailedPreconditionError(
        absl::StrCat(request_.method, " ", url_, ": ", why));
  }
  return absl::UnavailableError(
      absl::StrCat(request_.method, " ", url_, ": ", why));
}

absl::StatusOr<size_t> CurlResponse::Read(char* dst, size_t n) {
  while (pending_.size() == pending_pos_ && !done_) {
    if (paused_) {
      paused_ = false;
      curl_easy_pause(easy_, CURLPAUSE_CONT);
    }
    Pump();
  }
  if (pending_.size() > pending_pos_) {
    const size_t take = std::min(n, pending_.size() - pending_pos_);
    std::memcpy(dst, pending_.data() + pending_pos_, take);
    pending_pos_ += take;
    return take;
  }
  if (result_ != CURLE_OK) return TransferError();
  return 0;
}

}  // namespace

absl::StatusOr<std::string> HttpResponse::ReadAll(size_t limit) {
  std::string out;
  char buffer[64 << 10];
  while (true) {
    auto n = Read(buffer, sizeof(buffer));
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    if (out.size() + *n > limit) {
      return absl::OutOfRangeError(
          absl::StrCat(url(), ": response larger than ", limit, " bytes"));
    }
    out.append(buffer, *n);
  }
}

absl::StatusOr<std::unique_ptr<HttpResponse>> Send(const HttpRequest& request,
                                                   const TlsOptions& tls) {
  GlobalInit();
  auto response = std::make_unique<CurlResponse>();
  if (absl::Status s = response->Start(request, tls); !s.ok()) return s;
  return response;
}

std::string UrlEncode(absl::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace hpc::registry
