#include "plugin/server/pipe_front.h"

#include <sddl.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "importer/log/log.h"
#include "importer/windows/wide_path.h"
#include "importer/windows/win32_status.h"

namespace hpc::server {

namespace {

// SYSTEM and Administrators, full access; nobody else.
constexpr wchar_t kPipeSddl[] = L"D:P(A;;GA;;;SY)(A;;GA;;;BA)";
constexpr DWORD kPipeBuffer = 1 << 20;

// The port of a gRPC peer name: "ipv4:127.0.0.1:50123", "ipv6:[::1]:50123".
int PeerPort(const std::string& peer) {
  size_t colon = peer.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(peer).substr(colon + 1), &port)) {
    return -1;
  }
  return port;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PipeFront>> PipeFront::Create(
    const std::string& name) {
  std::unique_ptr<PipeFront> front(new PipeFront(name));
  front->stop_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  auto first = front->NewInstance(true);
  if (!first.ok()) return first.status();
  front->next_ = *first;
  return front;
}

absl::StatusOr<HANDLE> PipeFront::NewInstance(bool first) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          kPipeSddl, SDDL_REVISION_1, &sd, nullptr)) {
    return windows::Win32Status(GetLastError(), "make the ACL of", name_);
  }
  SECURITY_ATTRIBUTES sa{sizeof(sa), sd, FALSE};
  std::wstring wide = windows::Wide(name_);
  DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED |
                    (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  HANDLE h = CreateNamedPipeW(wide.c_str(), open_mode,
                              PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                                  PIPE_REJECT_REMOTE_CLIENTS,
                              PIPE_UNLIMITED_INSTANCES, kPipeBuffer,
                              kPipeBuffer, 0, &sa);
  DWORD err = GetLastError();
  LocalFree(sd);
  if (h == INVALID_HANDLE_VALUE) {
    if (first && (err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY)) {
      return absl::AlreadyExistsError(
          absl::StrCat("another process is serving on ", name_,
                       "; stop it or choose another --address"));
    }
    return windows::Win32Status(err, "create named pipe", name_);
  }
  return h;
}

void PipeFront::Serve(int port) {
  port_ = port;
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

PipeFront::~PipeFront() {
  Stop();
  if (stop_ != nullptr) CloseHandle(stop_);
}

void PipeFront::Stop() {
  if (stop_ != nullptr) SetEvent(stop_);
  if (acceptor_.joinable()) acceptor_.join();
  if (next_ != INVALID_HANDLE_VALUE) {
    CloseHandle(next_);
    next_ = INVALID_HANDLE_VALUE;
  }
  relays_.StopAll();
}

void PipeFront::AcceptLoop() {
  OVERLAPPED o{};
  o.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  while (true) {
    if (next_ == INVALID_HANDLE_VALUE) {
      auto instance = NewInstance(false);
      if (!instance.ok()) {
        log::Error("%s", instance.status().message());
        if (WaitForSingleObject(stop_, 1000) == WAIT_OBJECT_0) break;
        continue;
      }
      next_ = *instance;
    }
    ResetEvent(o.hEvent);
    bool connected = ConnectNamedPipe(next_, &o) != 0;
    DWORD err = GetLastError();
    if (!connected && err == ERROR_IO_PENDING) {
      HANDLE events[2] = {o.hEvent, stop_};
      DWORD which = WaitForMultipleObjects(2, events, FALSE, INFINITE);
      if (which != WAIT_OBJECT_0) {
        CancelIoEx(next_, &o);
        DWORD ignored;
        GetOverlappedResult(next_, &o, &ignored, TRUE);
        break;
      }
      DWORD ignored;
      connected = GetOverlappedResult(next_, &o, &ignored, FALSE) != 0;
      if (!connected) err = GetLastError();
    } else if (!connected && err == ERROR_PIPE_CONNECTED) {
      connected = true;  // the client came between create and connect
    }
    HANDLE pipe = next_;
    next_ = INVALID_HANDLE_VALUE;
    if (!connected) {
      log::Debug("%s: a client left before it was served (error %d)", name_,
                 static_cast<int>(err));
      CloseHandle(pipe);
      continue;
    }
    Relay(pipe);
  }
  CloseHandle(o.hEvent);
}

void PipeFront::Relay(HANDLE pipe) {
  auto socket = windows::ConnectLoopback(port_);
  if (!socket.ok()) {
    log::Error("%s: %s", name_, socket.status().message());
    CloseHandle(pipe);
    return;
  }
  // Registered before any byte is relayed, so the server never sees a call
  // from this connection before it knows the port.
  int port = windows::LocalPort(*socket);
  {
    absl::MutexLock lock(&mu_);
    relay_ports_.insert(port);
  }
  relays_.Add(std::make_unique<windows::PipeRelay>(pipe, *socket, [this, port] {
    absl::MutexLock lock(&mu_);
    relay_ports_.erase(port);
  }));
}

bool PipeFront::Admits(const std::string& peer) const {
  int port = PeerPort(peer);
  absl::MutexLock lock(&mu_);
  return relay_ports_.contains(port);
}

std::string PipeFront::Refusal() const {
  return absl::StrCat(
      "this port serves only connections relayed from the named pipe ", name_,
      "; connect to the pipe");
}

}  // namespace hpc::server
