// One Write stream of containerd's Content API, request by request.
//
// The first request names the ref and takes its lock; each request then
// stats, appends (at the current offset; offset 0 on a non-empty ingest
// starts over) or commits, and gets one response. A request whose expected
// digest is already stored ends the stream with AlreadyExists and aborts the
// ingest, as containerd's server does. When the stream ends without a
// commit, End (or destroying the session) keeps the ingest for a resume.
//
// A ref held by another stream is not waited for here (the caller's thread
// serves other streams, the holder's among them): Handle answers
// Unavailable with ref_busy() set, and the caller may try the same request
// again later.
#ifndef HPC_PLUGIN_SERVER_WRITE_SESSION_H_
#define HPC_PLUGIN_SERVER_WRITE_SESSION_H_

#include <grpcpp/support/status.h>

#include <memory>
#include <string>

#include "plugin/store/store.h"
#include "services/content/v1/content.pb.h"

namespace hpc::server {

class WriteSession {
 public:
  explicit WriteSession(store::Store& store) : store_(store) {}

  // Handles one request. On OK, `response` is to be sent, and the stream
  // ends after it when finished(). On error the stream ends with it.
  grpc::Status Handle(
      const containerd::services::content::v1::WriteContentRequest& request,
      containerd::services::content::v1::WriteContentResponse* response);
  bool finished() const { return finished_; }
  // The last Handle found the ref held by another writer; nothing changed.
  bool ref_busy() const { return ref_busy_; }
  // The client closed its side: the ref is released at once, so it can be
  // reopened before this stream is torn down.
  void End();

 private:
  grpc::Status Begin(
      const containerd::services::content::v1::WriteContentRequest& request);
  grpc::Status Fail(const absl::Status& status);

  store::Store& store_;
  std::unique_ptr<store::Writer> writer_;
  std::string ref_;
  int64_t total_ = 0;
  std::string expected_;
  bool finished_ = false;
  bool ref_busy_ = false;
};

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_WRITE_SESSION_H_
