// containerd.services.content.v1.Content over a Store: a thin adapter that
// moves fields between protobuf messages and the store and maps errors with
// ToGrpcStatus. The streaming semantics of Read and Write follow containerd's
// own content server, since containerd's proxy client is built against it.
#ifndef HPC_PLUGIN_SERVER_CONTENT_SERVICE_H_
#define HPC_PLUGIN_SERVER_CONTENT_SERVICE_H_

#include "services/content/v1/content.grpc.pb.h"
#include "plugin/store/store.h"

namespace hpc::server {

namespace contentapi = ::containerd::services::content::v1;

// Read runs on gRPC's callback API (see blob_read.h); the other methods,
// which may block on fsync, on the synchronous server's threads.
class ContentService final
    : public contentapi::Content::WithCallbackMethod_Read<contentapi::Content::Service> {
 public:
  // `store` must outlive the service.
  explicit ContentService(store::Store& store);

  grpc::Status Info(grpc::ServerContext* context,
                    const contentapi::InfoRequest* request,
                    contentapi::InfoResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context,
                      const contentapi::UpdateRequest* request,
                      contentapi::UpdateResponse* response) override;
  grpc::Status List(
      grpc::ServerContext* context,
      const contentapi::ListContentRequest* request,
      grpc::ServerWriter<contentapi::ListContentResponse>* writer) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const contentapi::DeleteContentRequest* request,
                      google::protobuf::Empty* response) override;
  grpc::ServerWriteReactor<contentapi::ReadContentResponse>* Read(
      grpc::CallbackServerContext* context,
      const contentapi::ReadContentRequest* request) override;
  grpc::Status Status(grpc::ServerContext* context,
                      const contentapi::StatusRequest* request,
                      contentapi::StatusResponse* response) override;
  grpc::Status ListStatuses(
      grpc::ServerContext* context,
      const contentapi::ListStatusesRequest* request,
      contentapi::ListStatusesResponse* response) override;
  grpc::Status Write(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<contentapi::WriteContentResponse,
                               contentapi::WriteContentRequest>* stream)
      override;
  grpc::Status Abort(grpc::ServerContext* context,
                     const contentapi::AbortRequest* request,
                     google::protobuf::Empty* response) override;

 private:
  store::Store& store_;
};

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_CONTENT_SERVICE_H_
