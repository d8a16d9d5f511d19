// Bytes both ways between a named pipe and a loopback TCP connection.
//
// gRPC C++ listens and dials only TCP on Windows, while containerd reaches
// its plugins, and is reached, only through named pipes. HTTP/2 is just
// bytes, so the plugin's pipe front and hpcimg's bridge to containerd each
// pair a pipe with a socket and run one PipeRelay per pair.
#ifndef HPC_IMPORTER_WINDOWS_PIPE_RELAY_H_
#define HPC_IMPORTER_WINDOWS_PIPE_RELAY_H_

#include <winsock2.h>
// after winsock2.h
#include <windows.h>

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"

namespace hpc::windows {

class PipeRelay {
 public:
  // Takes `pipe` (opened for overlapped I/O) and `socket`; relays until
  // either side closes or Stop, then closes both and calls `done` once
  // (from a relay thread).
  PipeRelay(HANDLE pipe, SOCKET socket, std::function<void()> done = nullptr);
  ~PipeRelay();  // Stop, then wait for the relay threads
  PipeRelay(const PipeRelay&) = delete;
  PipeRelay& operator=(const PipeRelay&) = delete;

  // Ends the relay from any thread.
  void Stop();
  bool finished() const { return finished_.load(); }

 private:
  void PipeToSocket();
  void SocketToPipe();
  void EndOneWay();

  HANDLE pipe_;
  SOCKET socket_;
  std::function<void()> done_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> running_{2};
  std::atomic<bool> finished_{false};
  std::thread to_socket_;
  std::thread to_pipe_;
};

// The relays of one pipe server or bridge: finished ones are reaped as new
// ones come, and all are stopped with the set.
class RelaySet {
 public:
  ~RelaySet() { StopAll(); }
  void Add(std::unique_ptr<PipeRelay> relay);
  void StopAll();

 private:
  std::mutex mu_;
  std::list<std::unique_ptr<PipeRelay>> relays_;
};

// Starts Winsock for this process (once; gRPC's own start is separate).
void StartWinsock();

// A socket connected to 127.0.0.1:`port`, with TCP_NODELAY (a relayed
// HTTP/2 stream waits on Nagle and delayed ACKs without it).
absl::StatusOr<SOCKET> ConnectLoopback(int port);

// The local port of a connected or bound socket.
int LocalPort(SOCKET socket);

}  // namespace hpc::windows

#endif  // HPC_IMPORTER_WINDOWS_PIPE_RELAY_H_
