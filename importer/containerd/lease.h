// A containerd lease held for one operation: created with an expiry (so a
// killed process does not pin content forever) and deleted when the
// operation ends, whatever its outcome.
#ifndef HPC_IMPORTER_CONTAINERD_LEASE_H_
#define HPC_IMPORTER_CONTAINERD_LEASE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "importer/containerd/connection.h"

namespace hpc::containerd {

class Lease {
 public:
  // Creates a lease and makes `connection` carry it until the Lease ends.
  static absl::StatusOr<std::unique_ptr<Lease>> Acquire(
      Connection& connection, absl::Duration expire_after);
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  const std::string& id() const { return id_; }
  // Deletes the lease now; its content stays if something else refers to it.
  absl::Status Release();

 private:
  Lease(Connection& connection, std::string id)
      : connection_(connection), id_(std::move(id)) {}
  Connection& connection_;
  std::string id_;
  bool released_ = false;
};

}  // namespace hpc::containerd

#endif  // HPC_IMPORTER_CONTAINERD_LEASE_H_
