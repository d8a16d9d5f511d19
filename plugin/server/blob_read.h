// One Read call of containerd's Content API: a range of a blob, sent as
// messages of at most 1 MiB. containerd's proxy client issues one Read per
// ReadAt, most often of 32 KiB, so most reads are a single message.
#ifndef HPC_PLUGIN_SERVER_BLOB_READ_H_
#define HPC_PLUGIN_SERVER_BLOB_READ_H_

#include <grpcpp/support/status.h>

#include <memory>
#include <string>

#include "plugin/store/blob_reader.h"
#include "plugin/store/store.h"
#include "services/content/v1/content.pb.h"

namespace hpc::server {

class BlobRead {
 public:
  // Resolves the blob and the range; NotFound, InvalidArgument or
  // OutOfRange (offset past the end) when it cannot be served.
  grpc::Status Start(
      store::Store& store,
      const containerd::services::content::v1::ReadContentRequest& request);
  // Fills `response` with the next chunk.
  grpc::Status Next(
      containerd::services::content::v1::ReadContentResponse* response);
  // True when nothing (more) is to be sent.
  bool done() const { return remaining_ == 0; }

 private:
  std::shared_ptr<const store::BlobReader> reader_;
  std::string digest_;
  int64_t offset_ = 0;
  int64_t remaining_ = 0;
};

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_BLOB_READ_H_
