// hpcimg's bridge to containerd's named pipe: who may use its loopback
// port, and bytes relayed both ways to a real pipe.
#include "importer/containerd/pipe_bridge.h"

#include <gtest/gtest.h>
#include <iphlpapi.h>

#include <string>
#include <thread>

#include "importer/windows/wide_path.h"

namespace hpc::containerd {
namespace {

constexpr uint32_t kSelf = 4242;

TEST(ConnectionOwnerTest, EstablishedRowOfThisProcessIsOurs) {
  std::vector<LoopbackTcpRow> rows = {
      {.local_port = 5000,
       .remote_port = 50001,
       .state = MIB_TCP_STATE_ESTAB,
       .owner_pid = kSelf},  // the accepted end
      {.local_port = 50001,
       .remote_port = 5000,
       .state = MIB_TCP_STATE_ESTAB,
       .owner_pid = kSelf},
  };
  EXPECT_EQ(ConnectionOwner(rows, 50001, 5000, kSelf), Owner::kThisProcess);
}

TEST(ConnectionOwnerTest, AnotherProcessIsNamed) {
  std::vector<LoopbackTcpRow> rows = {
      {.local_port = 5000,
       .remote_port = 50001,
       .state = MIB_TCP_STATE_ESTAB,
       .owner_pid = kSelf},
      {.local_port = 50001,
       .remote_port = 5000,
       .state = MIB_TCP_STATE_ESTAB,
       .owner_pid = 777},
  };
  EXPECT_EQ(ConnectionOwner(rows, 50001, 5000, kSelf), Owner::kAnother);
}

TEST(ConnectionOwnerTest, ClosingMissingOrOwnerlessRowsAreUnknown) {
  // A client that sent its bytes and closed before the accept: its end is
  // no longer established, whoever the table says owns it.
  std::vector<LoopbackTcpRow> closing = {
      {.local_port = 50001,
       .remote_port = 5000,
       .state = MIB_TCP_STATE_FIN_WAIT2,
       .owner_pid = kSelf},
  };
  EXPECT_EQ(ConnectionOwner(closing, 50001, 5000, kSelf), Owner::kUnknown);
  std::vector<LoopbackTcpRow> ownerless = {
      {.local_port = 50001,
       .remote_port = 5000,
       .state = MIB_TCP_STATE_ESTAB,
       .owner_pid = 0},
  };
  EXPECT_EQ(ConnectionOwner(ownerless, 50001, 5000, kSelf), Owner::kUnknown);
  // Same client port, another listener.
  EXPECT_EQ(ConnectionOwner(ownerless, 50001, 6000, kSelf), Owner::kUnknown);
  EXPECT_EQ(ConnectionOwner({}, 50001, 5000, kSelf), Owner::kUnknown);
}

TEST(TableNamesOwnersTest, ReadsTheListenerRow) {
  std::vector<LoopbackTcpRow> rows = {
      {.local_port = 5000, .state = MIB_TCP_STATE_LISTEN, .owner_pid = kSelf},
  };
  EXPECT_TRUE(TableNamesOwners(rows, 5000, kSelf));
  rows[0].owner_pid = 0;
  EXPECT_FALSE(TableNamesOwners(rows, 5000, kSelf));
  EXPECT_FALSE(TableNamesOwners(rows, 5001, kSelf));
}

// A named pipe server on its own thread: reads one message, answers with
// it reversed.
class EchoPipe {
 public:
  explicit EchoPipe(const std::string& name) {
    pipe_ =
        CreateNamedPipeW(windows::Wide(name).c_str(), PIPE_ACCESS_DUPLEX,
                         PIPE_TYPE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0, nullptr);
    thread_ = std::thread([this] {
      if (!ConnectNamedPipe(pipe_, nullptr) &&
          GetLastError() != ERROR_PIPE_CONNECTED) {
        return;
      }
      char buf[64];
      DWORD n = 0;
      if (!ReadFile(pipe_, buf, sizeof(buf), &n, nullptr)) return;
      received_.assign(buf, n);
      std::string answer(received_.rbegin(), received_.rend());
      DWORD written = 0;
      WriteFile(pipe_, answer.data(), static_cast<DWORD>(answer.size()),
                &written, nullptr);
      FlushFileBuffers(pipe_);
    });
  }
  ~EchoPipe() {
    if (thread_.joinable()) thread_.join();
    CloseHandle(pipe_);
  }
  bool ok() const { return pipe_ != INVALID_HANDLE_VALUE; }
  std::string received() {
    if (thread_.joinable()) thread_.join();
    return received_;
  }

 private:
  HANDLE pipe_;
  std::thread thread_;
  std::string received_;
};

TEST(PipeBridgeTest, RelaysAConnectionOfThisProcessToThePipe) {
  const std::string name =
      "\\\\.\\pipe\\hpc-bridge-test-" + std::to_string(GetCurrentProcessId());
  EchoPipe echo(name);
  ASSERT_TRUE(echo.ok());
  auto bridge = PipeBridge::Start(name);
  ASSERT_TRUE(bridge.ok()) << bridge.status();
  auto socket = windows::ConnectLoopback((*bridge)->port());
  ASSERT_TRUE(socket.ok()) << socket.status();
  ASSERT_EQ(::send(*socket, "hello", 5, 0), 5);
  std::string answer;
  char buf[64];
  while (answer.size() < 5) {
    int n = ::recv(*socket, buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.append(buf, n);
  }
  closesocket(*socket);
  EXPECT_EQ(echo.received(), "hello");
  EXPECT_EQ(answer, "olleh");
}

TEST(PipeBridgeTest, AMissingPipeIsUnavailable) {
  auto bridge = PipeBridge::Start("\\\\.\\pipe\\hpc-bridge-test-absent");
  EXPECT_EQ(bridge.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace hpc::containerd
