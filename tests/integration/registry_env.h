// A private docker-registry for tests, on a free loopback port with its
// storage in a temporary directory: plain HTTP, or HTTPS with a CA made for
// it, with no authentication, htpasswd Basic authentication, or Bearer
// tokens from a token issuer run by the test.
#ifndef HPC_TESTS_INTEGRATION_REGISTRY_ENV_H_
#define HPC_TESTS_INTEGRATION_REGISTRY_ENV_H_

#include <memory>
#include <string>

#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace hpc::testing {

class TokenIssuer;

struct RegistryConfig {
  // HTTPS with a certificate for 127.0.0.1 signed by a CA of its own,
  // whose certificate is cert_dir()/ca.crt.
  bool tls = false;
  // With a user: htpasswd Basic authentication (without token_auth), or
  // the user the token issuer accepts (with it).
  std::string user;
  std::string password;
  // Bearer tokens (auth: token) from a TokenIssuer.
  bool token_auth = false;
};

class Registry {
 public:
  explicit Registry(RegistryConfig config = {});
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  bool ok() const { return ok_; }
  // host:port
  std::string host() const { return host_; }
  // A containerd hosts.d style directory holding ca.crt (with tls).
  std::string cert_dir() const { return dir_.Join("certs"); }
  // Where the registry keeps the bytes of the blob sha256:`hex`.
  std::string BlobDataPath(const std::string& hex) const;
  // The registry's log so far (requests at level info).
  std::string Log() const;
  TokenIssuer* token_issuer() { return issuer_.get(); }

 private:
  RegistryConfig config_;
  TempDir dir_;
  std::string host_;
  std::unique_ptr<TokenIssuer> issuer_;
  std::unique_ptr<Subprocess> process_;
  bool ok_ = false;
};

// Makes a private key and a certificate for `common_name` (with
// subjectAltName `san`, e.g. "IP:127.0.0.1"), signed by the CA in
// `ca_key`/`ca_cert`, or self-signed when those are empty.
bool MakeCertificate(const std::string& key, const std::string& cert,
                     const std::string& common_name, const std::string& san,
                     const std::string& ca_key = "",
                     const std::string& ca_cert = "");

}  // namespace hpc::testing

#endif  // HPC_TESTS_INTEGRATION_REGISTRY_ENV_H_
