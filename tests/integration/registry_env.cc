#include "tests/integration/registry_env.h"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/integration/token_issuer.h"

namespace hpc::testing {

bool MakeCertificate(const std::string& key, const std::string& cert,
                     const std::string& common_name, const std::string& san,
                     const std::string& ca_key, const std::string& ca_cert) {
  const std::string ext = cert + ".ext";
  WriteFileOrDie(ext, "subjectAltName=" + san + "\nbasicConstraints=CA:" +
                          (ca_key.empty() ? "TRUE" : "FALSE") + "\n");
  std::vector<std::string> request = {
      "openssl", "req", "-newkey", "rsa:2048",           "-nodes",
      "-keyout", key,   "-subj",   "/CN=" + common_name, "-days",
      "2"};
  if (ca_key.empty()) {
    request.insert(request.end(),
                   {"-x509", "-out", cert, "-addext", "subjectAltName=" + san});
    return RunCommand(request).exit_code == 0;
  }
  request.insert(request.end(), {"-out", cert + ".csr"});
  if (RunCommand(request).exit_code != 0) return false;
  return RunCommand({"openssl", "x509", "-req", "-in", cert + ".csr", "-CA",
                     ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
                     "-days", "2", "-extfile", ext})
             .exit_code == 0;
}

Registry::Registry(RegistryConfig config) : config_(std::move(config)) {
  host_ = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  std::filesystem::create_directories(cert_dir());
  std::string yaml =
      "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n"
      "storage:\n  filesystem:\n    rootdirectory: " +
      dir_.Join("data") +
      "\n  delete:\n    enabled: true\nhttp:\n  addr: " + host_ + "\n";
  if (config_.tls) {
    const std::string ca_key = dir_.Join("ca.key"), ca = cert_dir() + "/ca.crt";
    if (!MakeCertificate(ca_key, ca, "hpc test CA", "DNS:hpc-test-ca") ||
        !MakeCertificate(dir_.Join("server.key"), dir_.Join("server.crt"),
                         "127.0.0.1", "IP:127.0.0.1", ca_key, ca)) {
      return;
    }
    yaml += "  tls:\n    certificate: " + dir_.Join("server.crt") +
            "\n    key: " + dir_.Join("server.key") + "\n";
  }
  if (config_.token_auth) {
    const std::string key = dir_.Join("token.key"),
                      cert = dir_.Join("token.crt");
    if (!MakeCertificate(key, cert, "hpc test token signer",
                         "DNS:hpc-test-token")) {
      return;
    }
    issuer_ = std::make_unique<TokenIssuer>(key, cert, "hpc-test-registry",
                                            config_.user, config_.password);
    if (!issuer_->ok()) return;
    yaml += "auth:\n  token:\n    realm: " + issuer_->realm() +
            "\n    service: hpc-test-registry\n    issuer: " +
            std::string(TokenIssuer::kIssuer) +
            "\n    rootcertbundle: " + cert + "\n";
  } else if (!config_.user.empty()) {
    if (RunCommand({"htpasswd", "-Bbc", dir_.Join("htpasswd"), config_.user,
                    config_.password})
            .exit_code != 0) {
      return;
    }
    yaml += "auth:\n  htpasswd:\n    realm: hpc-test\n    path: " +
            dir_.Join("htpasswd") + "\n";
  }
  WriteFileOrDie(dir_.Join("config.yml"), yaml);
  process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{"docker-registry", "serve",
                               dir_.Join("config.yml")},
      dir_.Join("registry.log"));
  int port = std::stoi(host_.substr(host_.find(':') + 1));
  for (int i = 0; i < 200 && !ok_; ++i) {
    ok_ = LoopbackPortAccepts(port);
    if (!ok_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Registry::~Registry() {
  if (process_) process_->Stop(SIGTERM);
}

std::string Registry::BlobDataPath(const std::string& hex) const {
  return dir_.Join("data/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) +
                   "/" + hex + "/data");
}

std::string Registry::Log() const {
  try {
    return ReadFileOrDie(dir_.Join("registry.log"));
  } catch (...) {
    return "";
  }
}

}  // namespace hpc::testing
