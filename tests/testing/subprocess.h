// Starting and stopping real programs from tests.
#ifndef HPC_TESTS_TESTING_SUBPROCESS_H_
#define HPC_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace hpc::testing {

// A program running in the background, its output going to `log_path`.
// Killed (SIGKILL) on destruction if still running.
class Subprocess {
 public:
  Subprocess(std::vector<std::string> argv, std::string log_path);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` and waits up to `timeout_ms` for exit; returns the exit
  // status as waitpid reports it, or -1 on timeout.
  int Stop(int signal, int timeout_ms = 10000);
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
  std::string log_path_;
};

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a program to completion, capturing its output.
RunResult RunCommand(const std::vector<std::string>& argv,
                     const std::string& stdin_data = "");

// Waits until `path` exists (and, for sockets, accepts connections).
bool WaitForSocket(const std::string& path, int timeout_ms);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();
// True when something accepts TCP connections on 127.0.0.1:port.
bool LoopbackPortAccepts(int port);

}  // namespace hpc::testing

#endif  // HPC_TESTS_TESTING_SUBPROCESS_H_
