#include "tests/integration/token_issuer.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <random>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "tests/testing/temp_dir.h"

namespace hpc::testing {
namespace {

std::string Base64Url(const std::string& data) {
  return absl::WebSafeBase64Escape(data);
}

// The DER bytes of the first certificate in a PEM file, base64 (standard
// alphabet, as x5c wants).
std::string CertificateDerBase64(const std::string& pem) {
  const std::string begin = "-----BEGIN CERTIFICATE-----";
  const std::string end = "-----END CERTIFICATE-----";
  size_t b = pem.find(begin), e = pem.find(end);
  if (b == std::string::npos || e == std::string::npos) return "";
  std::string body = pem.substr(b + begin.size(), e - b - begin.size());
  std::string out;
  for (char c : body) {
    if (c != '\n' && c != '\r') out.push_back(c);
  }
  return out;
}

// "repository:NAME:ACTIONS" entries of a scope, as JWT access claims.
nlohmann::json Access(const std::string& scope) {
  nlohmann::json access = nlohmann::json::array();
  for (absl::string_view one : absl::StrSplit(scope, ' ', absl::SkipEmpty())) {
    size_t first = one.find(':'), last = one.rfind(':');
    if (first == absl::string_view::npos || first == last) continue;
    nlohmann::json actions = nlohmann::json::array();
    for (absl::string_view a :
         absl::StrSplit(one.substr(last + 1), ',', absl::SkipEmpty())) {
      actions.push_back(std::string(a));
    }
    access.push_back(
        {{"type", std::string(one.substr(0, first))},
         {"name", std::string(one.substr(first + 1, last - first - 1))},
         {"actions", actions}});
  }
  return access;
}

}  // namespace

TokenIssuer::TokenIssuer(std::string key, std::string cert, std::string service,
                         std::string user, std::string password)
    : key_pem_(ReadFileOrDie(key)),
      cert_der_base64_(CertificateDerBase64(ReadFileOrDie(cert))),
      service_(std::move(service)),
      user_(std::move(user)),
      password_(std::move(password)),
      server_(std::make_unique<httplib::Server>()) {
  server_->Get("/token", [this](const httplib::Request& req,
                                httplib::Response& res) {
    if (!user_.empty()) {
      const std::string want = absl::StrCat(
          "Basic ", absl::Base64Escape(absl::StrCat(user_, ":", password_)));
      if (req.get_header_value("Authorization") != want) {
        ++refused_;
        res.status = 401;
        res.set_content(R"({"details":"incorrect username or password"})",
                        "application/json");
        return;
      }
    }
    std::string scope;
    for (size_t i = 0; i < req.get_param_value_count("scope"); ++i) {
      absl::StrAppend(&scope, " ", req.get_param_value("scope", i));
    }
    const std::string token = Sign(scope);
    ++issued_;
    res.set_content(
        nlohmann::json{{"token", token}, {"expires_in", 300}}.dump(),
        "application/json");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ > 0)
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

TokenIssuer::~TokenIssuer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string TokenIssuer::realm() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/token");
}

std::string TokenIssuer::Sign(const std::string& scope) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t start = expired_.fetch_sub(1) > 0 ? now - 7200 : now - 10;
  std::random_device random;
  nlohmann::json header = {
      {"alg", "RS256"}, {"typ", "JWT"}, {"x5c", {cert_der_base64_}}};
  nlohmann::json claims = {{"iss", kIssuer},
                           {"sub", user_},
                           {"aud", service_},
                           {"iat", start},
                           {"nbf", start},
                           {"exp", start + 3600},
                           {"jti", std::to_string(random())},
                           {"access", Access(scope)}};
  const std::string input =
      absl::StrCat(Base64Url(header.dump()), ".", Base64Url(claims.dump()));
  BIO* bio =
      BIO_new_mem_buf(key_pem_.data(), static_cast<int>(key_pem_.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  std::string signature;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t length = 0;
  if (key != nullptr &&
      EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &length,
                     reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) == 1) {
    signature.resize(length);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()),
                       &length,
                       reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1) {
      signature.resize(length);
    } else {
      signature.clear();
    }
  }
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return absl::StrCat(input, ".", Base64Url(signature));
}

}  // namespace hpc::testing
