// containerd.services.content.v1.Content over a Store, independent of how
// calls arrive: each method moves fields between protobuf messages and the
// store and maps errors with ToGrpcStatus. The streaming methods have their
// own classes: BlobRead (Read) and WriteSession (Write). async_calls.h drives
// all of them from gRPC's completion queues.
#ifndef HPC_PLUGIN_SERVER_CONTENT_SERVICE_H_
#define HPC_PLUGIN_SERVER_CONTENT_SERVICE_H_

#include <grpcpp/support/status.h>

#include <vector>

#include "plugin/store/store.h"
#include "services/content/v1/content.pb.h"

namespace hpc::server {

namespace contentapi = ::containerd::services::content::v1;

class ContentService {
 public:
  // `store` must outlive the service.
  explicit ContentService(store::Store& store) : store_(store) {}

  grpc::Status Info(const contentapi::InfoRequest& request,
                    contentapi::InfoResponse* response);
  grpc::Status Update(const contentapi::UpdateRequest& request,
                      contentapi::UpdateResponse* response);
  // The matching blobs, in batches of at most 100 as containerd sends them.
  grpc::Status List(const contentapi::ListContentRequest& request,
                    std::vector<contentapi::ListContentResponse>* batches);
  grpc::Status Delete(const contentapi::DeleteContentRequest& request,
                      google::protobuf::Empty* response);
  grpc::Status Status(const contentapi::StatusRequest& request,
                      contentapi::StatusResponse* response);
  grpc::Status ListStatuses(const contentapi::ListStatusesRequest& request,
                            contentapi::ListStatusesResponse* response);
  grpc::Status Abort(const contentapi::AbortRequest& request,
                     google::protobuf::Empty* response);

  store::Store& store() { return store_; }

 private:
  store::Store& store_;
};

// Wire forms of the store's records, shared by the service's classes.
void ToProto(absl::Time t, google::protobuf::Timestamp* out);
void ToProto(const store::BlobInfo& info, contentapi::Info* out);
void ToProto(const store::IngestStatus& status, contentapi::Status* out);

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_CONTENT_SERVICE_H_
