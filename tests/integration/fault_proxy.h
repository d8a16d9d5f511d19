// An HTTP proxy in front of a registry that injects the faults a network
// and a busy registry produce: error statuses (429 with Retry-After, 5xx)
// for the next requests whose path matches, and a response cut off half
// way through its body. It records the Range headers it forwards.
#ifndef HPC_TESTS_INTEGRATION_FAULT_PROXY_H_
#define HPC_TESTS_INTEGRATION_FAULT_PROXY_H_

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace hpc::testing {

class FaultProxy {
 public:
  // Forwards to the plain-HTTP registry at `upstream` (host:port).
  explicit FaultProxy(std::string upstream);
  ~FaultProxy();

  bool ok() const { return port_ > 0; }
  std::string host() const;

  // The next `count` requests whose method is `method` (or any, when
  // empty) and whose path contains `path` get `status` (with Retry-After
  // when `retry_after` is not negative).
  void Fail(std::string method, std::string path, int status, int count,
            int retry_after = -1);
  // The next request whose path contains `path` and that carries an
  // Authorization header gets 401 with `challenge` as WWW-Authenticate, as
  // a registry answers a token that has expired.
  void Unauthorize(std::string path, std::string challenge);
  // The next GET whose path contains `path` sends half its body, then the
  // connection is closed.
  void Cut(std::string path);
  // Blob GETs are answered with a 307 to a second server, as registries
  // send clients to blob storage on another host; it fetches from the
  // registry with `authorization` and records what clients sent it.
  void RedirectBlobs(std::string authorization);
  // The Authorization headers the blob storage was sent ("" when none).
  std::vector<std::string> storage_authorizations() const;
  int faults_served() const;
  std::vector<std::string> ranges() const;

 private:
  struct Rule {
    std::string method;
    std::string path;
    int status;  // 0: cut
    int count;
    int retry_after;
    std::string challenge;  // with status 401
  };
  // The rule that applies to this request, consumed; nullptr when none.
  bool Take(const std::string& method, const std::string& path, bool authorized,
            Rule* out);

  std::string upstream_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> storage_;
  std::thread storage_thread_;
  int storage_port_ = 0;
  std::string storage_authorization_;
  std::vector<std::string> storage_authorizations_;
  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  int faults_ = 0;
  std::vector<std::string> ranges_;
};

}  // namespace hpc::testing

#endif  // HPC_TESTS_INTEGRATION_FAULT_PROXY_H_
