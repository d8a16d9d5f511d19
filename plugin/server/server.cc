#include "plugin/server/server.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "importer/log/log.h"
#include "plugin/server/async_calls.h"
#include "plugin/server/unix_socket.h"
#include "plugin/store/file_system.h"

namespace hpc::server {

namespace {
// containerd's proxy writer sends up to 1 MiB of data a message; leave room
// for direct clients that send more.
constexpr int kMaxMessageBytes = 16 << 20;
// Threads, each polling its own completion queue. More than the cores, so a
// call waiting on fsync does not hold up reads.
constexpr int kQueueThreads = 4;
}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    store::Store& store, const std::string& socket_path) {
  if (absl::Status s = PrepareSocketPath(socket_path); !s.ok()) return s;

  std::unique_ptr<Server> server(new Server(socket_path, store));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("unix:", socket_path),
                           grpc::InsecureServerCredentials());
  builder.RegisterService(&server->service_);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  for (int i = 0; i < kQueueThreads; ++i) {
    server->queues_.push_back(builder.AddCompletionQueue());
  }

  // The socket is created by bind(2) inside BuildAndStart; the umask makes
  // it 0660 from its first moment rather than after a chmod.
  mode_t old_mask = ::umask(0117);
  server->server_ = builder.BuildAndStart();
  ::umask(old_mask);
  if (server->server_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("could not listen on unix socket ", socket_path));
  }
  if (::chmod(socket_path.c_str(), 0660) != 0) {
    return store::ErrnoStatus(errno, "chmod", socket_path);
  }
  for (auto& queue : server->queues_) {
    PostContentCalls({&server->service_, &server->content_, queue.get()});
    server->threads_.emplace_back(RunCompletionQueue, queue.get());
  }
  return server;
}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

void Server::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ != nullptr) {
    // Running calls complete on the queue threads, which keep polling.
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  }
  for (auto& queue : queues_) queue->Shutdown();
  for (auto& thread : threads_) thread.join();
  ::unlink(socket_path_.c_str());
}

}  // namespace hpc::server
