#include "importer/windows/pipe_relay.h"

#include <ws2tcpip.h>

#include "absl/strings/str_cat.h"
#include "importer/windows/win32_status.h"

namespace hpc::windows {

namespace {

constexpr DWORD kBufferBytes = 256 << 10;

// One overlapped operation on the pipe, waited for in the calling thread.
// false at end of stream, on error, or when cancelled.
bool PipeIo(HANDLE pipe, bool write, char* data, DWORD n, DWORD* done) {
  OVERLAPPED o{};
  o.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (o.hEvent == nullptr) return false;
  BOOL ok = write ? WriteFile(pipe, data, n, nullptr, &o)
                  : ReadFile(pipe, data, n, nullptr, &o);
  if (!ok && GetLastError() != ERROR_IO_PENDING) {
    CloseHandle(o.hEvent);
    return false;
  }
  ok = GetOverlappedResult(pipe, &o, done, TRUE);
  CloseHandle(o.hEvent);
  return ok && *done > 0;
}

}  // namespace

void StartWinsock() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
  });
}

absl::StatusOr<SOCKET> ConnectLoopback(int port) {
  StartWinsock();
  SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET)
    return Win32Status(WSAGetLastError(), "socket for", "127.0.0.1");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<u_short>(port));
  if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = WSAGetLastError();
    closesocket(s);
    return Win32Status(err, "connect to", absl::StrCat("127.0.0.1:", port));
  }
  BOOL on = TRUE;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<char*>(&on),
             sizeof(on));
  return s;
}

int LocalPort(SOCKET socket) {
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (getsockname(socket, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return -1;
  if (addr.ss_family == AF_INET)
    return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return -1;
}

PipeRelay::PipeRelay(HANDLE pipe, SOCKET socket, std::function<void()> done)
    : pipe_(pipe), socket_(socket), done_(std::move(done)) {
  BOOL on = TRUE;
  setsockopt(socket_, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<char*>(&on),
             sizeof(on));
  to_socket_ = std::thread([this] { PipeToSocket(); });
  to_pipe_ = std::thread([this] { SocketToPipe(); });
}

PipeRelay::~PipeRelay() {
  Stop();
  if (to_socket_.joinable()) to_socket_.join();
  if (to_pipe_.joinable()) to_pipe_.join();
}

void PipeRelay::Stop() {
  if (stopping_.exchange(true)) return;
  // Wakes both directions: the socket's recv returns, the pipe's pending
  // read is cancelled.
  shutdown(socket_, SD_BOTH);
  CancelIoEx(pipe_, nullptr);
}

void PipeRelay::PipeToSocket() {
  std::string buffer(kBufferBytes, '\0');
  while (!stopping_.load()) {
    DWORD n = 0;
    if (!PipeIo(pipe_, false, buffer.data(), kBufferBytes, &n)) break;
    const char* p = buffer.data();
    while (n > 0) {
      int sent = send(socket_, p, static_cast<int>(n), 0);
      if (sent <= 0) {
        n = 0;
        stopping_.store(true);
        break;
      }
      p += sent;
      n -= static_cast<DWORD>(sent);
    }
  }
  EndOneWay();
}

void PipeRelay::SocketToPipe() {
  std::string buffer(kBufferBytes, '\0');
  while (!stopping_.load()) {
    int n = recv(socket_, buffer.data(), static_cast<int>(kBufferBytes), 0);
    if (n <= 0) break;
    DWORD done = 0, off = 0;
    while (off < static_cast<DWORD>(n)) {
      if (!PipeIo(pipe_, true, buffer.data() + off, n - off, &done)) {
        stopping_.store(true);
        break;
      }
      off += done;
    }
  }
  EndOneWay();
}

// The first direction to end stops the other; the last one closes both
// ends and reports.
void PipeRelay::EndOneWay() {
  Stop();
  if (running_.fetch_sub(1) != 1) return;
  // Closed, not disconnected: the other end still reads what is buffered.
  CloseHandle(pipe_);
  closesocket(socket_);
  finished_.store(true);
  if (done_) done_();
}

void RelaySet::Add(std::unique_ptr<PipeRelay> relay) {
  // Finished relays are joined after the lock is released.
  std::list<std::unique_ptr<PipeRelay>> finished;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = relays_.begin(); it != relays_.end();) {
    if ((*it)->finished()) {
      finished.splice(finished.end(), relays_, it++);
    } else {
      ++it;
    }
  }
  relays_.push_back(std::move(relay));
}

void RelaySet::StopAll() {
  std::list<std::unique_ptr<PipeRelay>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.swap(relays_);
  }
  all.clear();  // each stops and joins
}

}  // namespace hpc::windows
