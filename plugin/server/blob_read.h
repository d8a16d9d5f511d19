// Read of containerd's Content API, on gRPC's callback API.
//
// containerd's proxy client issues one Read per ReadAt, most often of 32 KiB,
// so a Read is usually a single message: it is sent together with the
// call's status in one write, on gRPC's own threads, without waking a
// thread of the synchronous server.
#ifndef HPC_PLUGIN_SERVER_BLOB_READ_H_
#define HPC_PLUGIN_SERVER_BLOB_READ_H_

#include <grpcpp/support/server_callback.h>

#include <memory>

#include "plugin/store/blob_reader.h"
#include "plugin/store/store.h"
#include "services/content/v1/content.pb.h"

namespace hpc::server {

// Starts serving `request` from `store`; the reactor deletes itself when the
// call is done.
grpc::ServerWriteReactor<containerd::services::content::v1::ReadContentResponse>*
StartBlobRead(store::Store& store,
              const containerd::services::content::v1::ReadContentRequest& request);

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_BLOB_READ_H_
