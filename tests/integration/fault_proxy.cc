#include "tests/integration/fault_proxy.h"

#include <httplib.h>

namespace hpc::testing {

FaultProxy::FaultProxy(std::string upstream)
    : upstream_(std::move(upstream)),
      server_(std::make_unique<httplib::Server>()) {
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Rule rule;
    if (Take(req.method, req.path, req.has_header("Authorization"), &rule) &&
        rule.status != 0) {
      res.status = rule.status;
      if (!rule.challenge.empty())
        res.set_header("WWW-Authenticate", rule.challenge);
      if (rule.retry_after >= 0)
        res.set_header("Retry-After", std::to_string(rule.retry_after));
      res.set_content(
          R"({"errors":[{"code":"UNAVAILABLE","message":"injected"}]})",
          "application/json");
      return;
    }
    const bool cut = rule.status == 0 && rule.count >= 0 && !rule.path.empty();
    if (storage_port_ > 0 && req.method == "GET" &&
        req.path.find("/blobs/sha256:") != std::string::npos) {
      res.status = 307;
      res.set_header("Location", "http://127.0.0.1:" +
                                     std::to_string(storage_port_) + req.path);
      return;
    }
    httplib::Request forward;
    forward.method = req.method;
    forward.path = req.target.empty() ? req.path : req.target;
    forward.body = req.body;
    for (const auto& [name, value] : req.headers) {
      // Host is kept: the registry writes it into upload Locations, which
      // then lead back here.
      if (name == "Content-Length" || name == "REMOTE_ADDR" ||
          name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
          name == "LOCAL_PORT") {
        continue;
      }
      if (name == "Range") {
        // Served from the whole body by this server's own Range support.
        std::lock_guard<std::mutex> lock(mu_);
        ranges_.push_back(value);
        continue;
      }
      forward.headers.emplace(name, value);
    }
    httplib::Client client("http://" + upstream_);
    httplib::Response upstream;
    httplib::Error error = httplib::Error::Success;
    if (!client.send(forward, upstream, error)) {
      res.status = 502;
      return;
    }
    // With a Range asked for, cpp-httplib answers 206 with the range of
    // the body only when the status is left to it.
    if (upstream.status != 200 || req.ranges.empty())
      res.status = upstream.status;
    for (const auto& [name, value] : upstream.headers) {
      if (name == "Content-Length" || name == "Transfer-Encoding" ||
          name == "Connection") {
        continue;
      }
      res.headers.emplace(name, value);
    }
    const std::string type = upstream.get_header_value("Content-Type");
    if (cut && upstream.body.size() > 1) {
      auto body = std::make_shared<std::string>(std::move(upstream.body));
      // Chunked, so that the missing end is plain to the client.
      res.set_chunked_content_provider(
          type, [body](size_t offset, httplib::DataSink& sink) {
            if (offset == 0) sink.write(body->data(), body->size() / 2);
            return false;  // the connection is dropped here
          });
      return;
    }
    if (req.method != "HEAD") res.body = std::move(upstream.body);
    if (!type.empty()) res.set_header("Content-Type", type);
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Patch(".*", handler);
  server_->Delete(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ > 0)
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

FaultProxy::~FaultProxy() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
  if (storage_) storage_->stop();
  if (storage_thread_.joinable()) storage_thread_.join();
}

void FaultProxy::RedirectBlobs(std::string authorization) {
  storage_authorization_ = std::move(authorization);
  storage_ = std::make_unique<httplib::Server>();
  storage_->Get(".*", [this](const httplib::Request& req,
                             httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      storage_authorizations_.push_back(req.get_header_value("Authorization"));
    }
    httplib::Client client("http://" + upstream_);
    httplib::Headers headers;
    if (!storage_authorization_.empty())
      headers.emplace("Authorization", storage_authorization_);
    auto upstream = client.Get(req.path, headers);
    if (!upstream) {
      res.status = 502;
      return;
    }
    res.status = upstream->status;
    res.set_content(upstream->body, "application/octet-stream");
  });
  storage_port_ = storage_->bind_to_any_port("127.0.0.1");
  storage_thread_ = std::thread([this] { storage_->listen_after_bind(); });
}

std::vector<std::string> FaultProxy::storage_authorizations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_authorizations_;
}

std::string FaultProxy::host() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void FaultProxy::Fail(std::string method, std::string path, int status,
                      int count, int retry_after) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back(
      {std::move(method), std::move(path), status, count, retry_after});
}

void FaultProxy::Cut(std::string path) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back({"GET", std::move(path), 0, 1, -1, ""});
}

void FaultProxy::Unauthorize(std::string path, std::string challenge) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back({"", std::move(path), 401, 1, -1, std::move(challenge)});
}

bool FaultProxy::Take(const std::string& method, const std::string& path,
                      bool authorized, Rule* out) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Rule& rule : rules_) {
    if (rule.count <= 0) continue;
    if (!rule.challenge.empty() && !authorized) continue;
    if (!rule.method.empty() && rule.method != method) continue;
    if (path.find(rule.path) == std::string::npos) continue;
    --rule.count;
    ++faults_;
    *out = rule;
    return true;
  }
  *out = Rule{"", "", 0, -1, -1, ""};
  return false;
}

int FaultProxy::faults_served() const {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_;
}

std::vector<std::string> FaultProxy::ranges() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ranges_;
}

}  // namespace hpc::testing
