// The plugin's named pipe on Windows, in front of its gRPC server.
//
// containerd on Windows dials proxy plugins through named pipes only, and
// gRPC C++ serves only TCP there. So gRPC listens on an ephemeral
// 127.0.0.1 port and the pipe front, in the same process, accepts pipe
// clients and relays each one to that port. The pipe is the only way in:
// its ACL grants SYSTEM and Administrators, it rejects remote clients, and
// it is created as the pipe's first instance (another process serving the
// name is an error, not a second server). Any local user can connect to a
// loopback port, so the front records the local port of each of its own
// connections and the server serves only calls from those (Admits).
#ifndef HPC_PLUGIN_SERVER_PIPE_FRONT_H_
#define HPC_PLUGIN_SERVER_PIPE_FRONT_H_

#include <winsock2.h>
// after winsock2.h
#include <windows.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "importer/windows/pipe_relay.h"
#include "plugin/server/async_calls.h"

namespace hpc::server {

class PipeFront final : public PeerFilter {
 public:
  // Creates the pipe `name` (\\.\pipe\NAME) now, so a name in use fails
  // here; relays to 127.0.0.1:`port` once Serve is called.
  static absl::StatusOr<std::unique_ptr<PipeFront>> Create(
      const std::string& name);
  ~PipeFront() override;  // Stop
  PipeFront(const PipeFront&) = delete;
  PipeFront& operator=(const PipeFront&) = delete;

  void Serve(int port);
  // Stops accepting and ends every relay.
  void Stop();

  // PeerFilter: a call is served when it came through one of our relays.
  bool Admits(const std::string& peer) const override;
  std::string Refusal() const override;

 private:
  explicit PipeFront(std::string name) : name_(std::move(name)) {}
  absl::StatusOr<HANDLE> NewInstance(bool first);
  void AcceptLoop();
  void Relay(HANDLE pipe);

  const std::string name_;
  int port_ = 0;
  HANDLE next_ = INVALID_HANDLE_VALUE;  // the instance waiting for a client
  HANDLE stop_ = nullptr;               // event, set by Stop
  std::thread acceptor_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<int> relay_ports_ ABSL_GUARDED_BY(mu_);
  windows::RelaySet relays_;
};

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_PIPE_FRONT_H_
