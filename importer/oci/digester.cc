#include "importer/oci/digester.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "absl/strings/escaping.h"

namespace hpc::oci {

namespace {
void Check(int ok) {
  // EVP calls on sha256 fail only on allocation failure.
  if (ok != 1) std::abort();
}
}  // namespace

void Digester::CtxDeleter::operator()(evp_md_ctx_st* ctx) const {
  EVP_MD_CTX_free(ctx);
}

Digester::Digester() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) std::abort();
  Reset();
}

Digester::~Digester() = default;
Digester::Digester(Digester&&) noexcept = default;
Digester& Digester::operator=(Digester&&) noexcept = default;

void Digester::Reset() {
  Check(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr));
}

void Digester::Update(absl::string_view data) {
  if (data.empty()) return;
  Check(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()));
}

Digest Digester::Current() const {
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> copy(EVP_MD_CTX_new());
  if (!copy) std::abort();
  Check(EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()));
  unsigned char sum[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  Check(EVP_DigestFinal_ex(copy.get(), sum, &len));
  std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(sum), len));
  return *Digest::FromHex(hex);
}

Digest Digester::Of(absl::string_view data) {
  Digester d;
  d.Update(data);
  return d.Current();
}

}  // namespace hpc::oci
