#include "importer/containerd/lease.h"

#include <unistd.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/leases/v1/leases.grpc.pb.h"

namespace hpc::containerd {

namespace api = ::containerd::services::leases::v1;

absl::StatusOr<std::unique_ptr<Lease>> Lease::Acquire(
    Connection& connection, absl::Duration expire_after) {
  std::random_device random;
  std::string id = absl::StrFormat("hpcimg-%d-%08x", getpid(), random());
  api::CreateRequest request;
  request.set_id(id);
  (*request.mutable_labels())["containerd.io/gc.expire"] = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%SZ", absl::Now() + expire_after, absl::UTCTimeZone());
  api::CreateResponse response;
  auto stub = api::Leases::NewStub(connection.channel());
  auto context = connection.Context(absl::Seconds(30));
  grpc::Status status = stub->Create(context.get(), request, &response);
  if (!status.ok()) return connection.Error(status, "create lease");
  connection.set_lease(id);
  return std::unique_ptr<Lease>(new Lease(connection, id));
}

Lease::~Lease() { Release().IgnoreError(); }

absl::Status Lease::Release() {
  if (released_) return absl::OkStatus();
  released_ = true;
  connection_.set_lease("");
  api::DeleteRequest request;
  request.set_id(id_);
  google::protobuf::Empty empty;
  auto stub = api::Leases::NewStub(connection_.channel());
  auto context = connection_.Context(absl::Seconds(30));
  return connection_.Error(stub->Delete(context.get(), request, &empty),
                           absl::StrCat("delete lease ", id_));
}

}  // namespace hpc::containerd
