#include <httplib.h>

#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "plugin/metrics/metrics_endpoint.h"

namespace hpc::metrics {
namespace {

class HttpEndpoint final : public MetricsEndpoint {
 public:
  HttpEndpoint(const Metrics& metrics, std::string host)
      : metrics_(metrics), host_(std::move(host)) {
    server_.Get("/metrics", [this](const httplib::Request&,
                                   httplib::Response& response) {
      response.set_content(metrics_.Render(),
                           "text/plain; version=0.0.4; charset=utf-8");
    });
  }
  ~HttpEndpoint() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  absl::Status Listen(int port) {
    port_ = port == 0 ? server_.bind_to_any_port(host_)
                      : (server_.bind_to_port(host_, port) ? port : -1);
    if (port_ < 0) {
      return absl::UnavailableError(absl::StrCat(
          "--metrics-address ", host_, ":", port, ": cannot listen there"));
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return absl::OkStatus();
  }
  std::string address() const override {
    return absl::StrCat(host_, ":", port_);
  }

 private:
  const Metrics& metrics_;
  const std::string host_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address, const Metrics& metrics) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics-address \"", address,
        "\": expected HOST:PORT, e.g. 127.0.0.1:9464 (port 0 picks one)"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]
  }
  auto endpoint = std::make_unique<HttpEndpoint>(metrics, host);
  if (absl::Status s = endpoint->Listen(port); !s.ok()) return s;
  return endpoint;
}

}  // namespace hpc::metrics
