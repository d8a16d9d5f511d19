// Incremental SHA-256 over a stream of bytes, giving the digest of what was
// fed so far at any point.
#ifndef HPC_IMPORTER_OCI_DIGESTER_H_
#define HPC_IMPORTER_OCI_DIGESTER_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "importer/oci/digest.h"

struct evp_md_ctx_st;

namespace hpc::oci {

class Digester {
 public:
  Digester();
  ~Digester();
  Digester(const Digester&) = delete;
  Digester& operator=(const Digester&) = delete;
  Digester(Digester&&) noexcept;
  Digester& operator=(Digester&&) noexcept;

  void Update(absl::string_view data);
  // The digest of everything fed since construction or the last Reset.
  // Does not disturb the running state.
  Digest Current() const;
  void Reset();

  // One-shot digest of `data`.
  static Digest Of(absl::string_view data);

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

}  // namespace hpc::oci

#endif  // HPC_IMPORTER_OCI_DIGESTER_H_
