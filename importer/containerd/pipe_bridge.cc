#include "importer/containerd/pipe_bridge.h"

#include <iphlpapi.h>
#include <ws2tcpip.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "importer/log/log.h"
#include "importer/windows/wide_path.h"
#include "importer/windows/win32_status.h"

namespace hpc::containerd {

namespace {
constexpr DWORD kPipeBusyWaitMs = 5000;
}  // namespace

std::vector<LoopbackTcpRow> LoopbackTcpRows() {
  std::vector<char> buffer(64 << 10);
  DWORD size = static_cast<DWORD>(buffer.size());
  DWORD rc;
  while ((rc = GetExtendedTcpTable(buffer.data(), &size, FALSE, AF_INET,
                                   TCP_TABLE_OWNER_PID_ALL, 0)) ==
         ERROR_INSUFFICIENT_BUFFER) {
    buffer.resize(size);
  }
  std::vector<LoopbackTcpRow> rows;
  if (rc != NO_ERROR) return rows;
  const auto* table = reinterpret_cast<MIB_TCPTABLE_OWNER_PID*>(buffer.data());
  const DWORD loopback = htonl(INADDR_LOOPBACK);
  for (DWORD i = 0; i < table->dwNumEntries; ++i) {
    const MIB_TCPROW_OWNER_PID& row = table->table[i];
    if (row.dwLocalAddr != loopback) continue;
    rows.push_back({ntohs(static_cast<u_short>(row.dwLocalPort)),
                    ntohs(static_cast<u_short>(row.dwRemotePort)), row.dwState,
                    row.dwOwningPid});
  }
  return rows;
}

Owner ConnectionOwner(const std::vector<LoopbackTcpRow>& rows, int peer_port,
                      int local_port, uint32_t self) {
  for (const LoopbackTcpRow& row : rows) {
    // The client's end: its local port is the peer port the listener saw.
    if (row.local_port != peer_port || row.remote_port != local_port) continue;
    if (row.state != MIB_TCP_STATE_ESTAB || row.owner_pid == 0) {
      return Owner::kUnknown;
    }
    return row.owner_pid == self ? Owner::kThisProcess : Owner::kAnother;
  }
  return Owner::kUnknown;
}

bool TableNamesOwners(const std::vector<LoopbackTcpRow>& rows, int port,
                      uint32_t self) {
  for (const LoopbackTcpRow& row : rows) {
    if (row.local_port == port && row.state == MIB_TCP_STATE_LISTEN) {
      return row.owner_pid == self;
    }
  }
  return false;
}

absl::StatusOr<std::unique_ptr<PipeBridge>> PipeBridge::Start(
    const std::string& name) {
  std::wstring wide = windows::Wide(name);
  if (!WaitNamedPipeW(wide.c_str(), NMPWAIT_USE_DEFAULT_WAIT) &&
      GetLastError() == ERROR_FILE_NOT_FOUND) {
    return absl::UnavailableError("no such named pipe");
  }
  windows::StartWinsock();
  SOCKET listener = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (listener == INVALID_SOCKET)
    return windows::Win32Status(WSAGetLastError(), "socket for", name);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener, 16) != 0) {
    int err = WSAGetLastError();
    closesocket(listener);
    return windows::Win32Status(err, "listen on 127.0.0.1 for", name);
  }
  int port = windows::LocalPort(listener);
  std::unique_ptr<PipeBridge> bridge(new PipeBridge(name, listener, port));
  bridge->owners_named_ =
      TableNamesOwners(LoopbackTcpRows(), port, GetCurrentProcessId());
  if (!bridge->owners_named_) {
    log::Warn(
        "this system's TCP table does not name the owner of the bridge's "
        "own port 127.0.0.1:%d; connections to it cannot be checked",
        port);
  }
  bridge->acceptor_ = std::thread([b = bridge.get()] { b->AcceptLoop(); });
  return bridge;
}

PipeBridge::~PipeBridge() {
  stopping_.store(true);
  closesocket(listener_);  // wakes accept
  if (acceptor_.joinable()) acceptor_.join();
  relays_.StopAll();
}

absl::StatusOr<HANDLE> PipeBridge::OpenPipe() {
  std::wstring wide = windows::Wide(name_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    HANDLE h = CreateFileW(
        wide.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
        FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
        nullptr);
    if (h != INVALID_HANDLE_VALUE) return h;
    DWORD err = GetLastError();
    if (err != ERROR_PIPE_BUSY) return windows::Win32Status(err, "open", name_);
    WaitNamedPipeW(wide.c_str(), kPipeBusyWaitMs);
  }
  return windows::Win32Status(ERROR_PIPE_BUSY, "open", name_);
}

void PipeBridge::AcceptLoop() {
  while (!stopping_.load()) {
    sockaddr_in peer{};
    int len = sizeof(peer);
    SOCKET s = ::accept(listener_, reinterpret_cast<sockaddr*>(&peer), &len);
    if (s == INVALID_SOCKET) {
      if (stopping_.load()) break;
      continue;
    }
    int peer_port = ntohs(peer.sin_port);
    if (owners_named_ &&
        ConnectionOwner(LoopbackTcpRows(), peer_port, port_,
                        GetCurrentProcessId()) != Owner::kThisProcess) {
      log::Warn(
          "refused a connection to the bridge for %s from port %d: "
          "this process did not make it",
          name_, peer_port);
      closesocket(s);
      continue;
    }
    auto pipe = OpenPipe();
    if (!pipe.ok()) {
      log::Debug("%s", pipe.status().message());
      closesocket(s);
      continue;
    }
    relays_.Add(std::make_unique<windows::PipeRelay>(*pipe, s));
  }
}

}  // namespace hpc::containerd
