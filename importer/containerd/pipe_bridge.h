// hpcimg's way to containerd's named pipe on Windows: a listener on an
// ephemeral 127.0.0.1 port that relays each connection to the pipe.
//
// Any local user can connect to a loopback port, and the pipe is reached
// with this process's rights: so a connection is relayed only when the
// system's TCP table says this process made it. A system whose table names
// no owners (wine does not) is found out at start, from the row of the
// bridge's own listener, and said so once in the log.
#ifndef HPC_IMPORTER_CONTAINERD_PIPE_BRIDGE_H_
#define HPC_IMPORTER_CONTAINERD_PIPE_BRIDGE_H_

#include <winsock2.h>
// after winsock2.h
#include <windows.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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
  bool owners_named_ = true;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  windows::RelaySet relays_;
};

// One IPv4 loopback row of the system's TCP table; ports in host order.
struct LoopbackTcpRow {
  int local_port = 0;
  int remote_port = 0;
  uint32_t state = 0;      // MIB_TCP_STATE_*
  uint32_t owner_pid = 0;  // 0: the system does not say
};

// The system's TCP table, its 127.0.0.1 rows only. Empty when unreadable.
std::vector<LoopbackTcpRow> LoopbackTcpRows();

enum class Owner { kThisProcess, kAnother, kUnknown };

// Who made the connection from 127.0.0.1:`peer_port` to 127.0.0.1:
// `local_port`: the row of its client end, which must be established and
// owned by `self`. A row that is missing, closing or without owner is
// kUnknown (and never relayed when the system names owners).
Owner ConnectionOwner(const std::vector<LoopbackTcpRow>& rows, int peer_port,
                      int local_port, uint32_t self);

// True when the row of this process's listener on `port` names its owner.
bool TableNamesOwners(const std::vector<LoopbackTcpRow>& rows, int port,
                      uint32_t self);

}  // namespace hpc::containerd

#endif  // HPC_IMPORTER_CONTAINERD_PIPE_BRIDGE_H_
