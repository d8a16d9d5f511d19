// hpcimg's way to containerd's named pipe on Windows: a listener on an
// ephemeral 127.0.0.1 port that relays each connection to the pipe.
//
// Any local user can connect to a loopback port, and the pipe is reached
// with this process's rights: so a connection is relayed only when the
// system's TCP table says this process made it.
#ifndef HPC_IMPORTER_CONTAINERD_PIPE_BRIDGE_H_
#define HPC_IMPORTER_CONTAINERD_PIPE_BRIDGE_H_

#include <winsock2.h>
// after winsock2.h
#include <windows.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "importer/windows/pipe_relay.h"

namespace hpc::containerd {

class PipeBridge {
 public:
  // Unavailable when the pipe `name` does not exist.
  static absl::StatusOr<std::unique_ptr<PipeBridge>> Start(
      const std::string& name);
  ~PipeBridge();
  PipeBridge(const PipeBridge&) = delete;
  PipeBridge& operator=(const PipeBridge&) = delete;

  int port() const { return port_; }

 private:
  PipeBridge(std::string name, SOCKET listener, int port)
      : name_(std::move(name)), listener_(listener), port_(port) {}
  void AcceptLoop();
  absl::StatusOr<HANDLE> OpenPipe();

  const std::string name_;
  SOCKET listener_;
  const int port_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  windows::RelaySet relays_;
};

// True when the TCP connection from 127.0.0.1:`peer_port` to
// 127.0.0.1:`local_port` was made by this process.
bool ConnectionIsOurs(int peer_port, int local_port);

}  // namespace hpc::containerd

#endif  // HPC_IMPORTER_CONTAINERD_PIPE_BRIDGE_H_
