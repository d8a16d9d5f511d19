// The one place where store errors become gRPC statuses. absl and gRPC share
// the canonical code numbering, so the code carries over as is; containerd's
// client maps the codes back to its errdefs (NotFound, AlreadyExists, ...).
#ifndef HPC_PLUGIN_SERVER_GRPC_STATUS_H_
#define HPC_PLUGIN_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace hpc::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_GRPC_STATUS_H_
