// The token server of a registry with `auth: token`: answers
// GET /token?service=…&scope=… with a JWT (RS256, the signing certificate
// in the x5c header) granting what the scope asks, to anonymous clients or,
// when a user is set, only to that user (Basic authentication).
#ifndef HPC_TESTS_INTEGRATION_TOKEN_ISSUER_H_
#define HPC_TESTS_INTEGRATION_TOKEN_ISSUER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace hpc::testing {

class TokenIssuer {
 public:
  // `key` and `cert`: PEM files of the signing key and its certificate.
  TokenIssuer(std::string key, std::string cert, std::string service,
              std::string user, std::string password);
  ~TokenIssuer();

  bool ok() const { return port_ > 0; }
  std::string realm() const;
  static constexpr char kIssuer[] = "hpc-test-issuer";

  // The next `n` tokens expired an hour ago.
  void IssueExpired(int n) { expired_ = n; }
  int tokens_issued() const { return issued_; }
  int refused() const { return refused_; }

 private:
  std::string Sign(const std::string& scope);

  std::string key_pem_;
  std::string cert_der_base64_;
  std::string service_;
  std::string user_;
  std::string password_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> expired_{0};
  std::atomic<int> issued_{0};
  std::atomic<int> refused_{0};
};

}  // namespace hpc::testing

#endif  // HPC_TESTS_INTEGRATION_TOKEN_ISSUER_H_
