#include "importer/registry/helper_process.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace hpc::registry {
namespace {

// Writes `data` to a pipe whose reader may be gone (a helper that exits
// without reading): the SIGPIPE that would end this process is blocked
// and taken back, and the write just fails.
void WriteIgnoringSigpipe(int fd, const std::string& data) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t n;
  do {
    n = write(fd, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EPIPE) {
    const timespec zero{};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace

absl::StatusOr<HelperExit> RunHelperProcess(const std::string& program,
                                            const std::string& argument,
                                            const std::string& input) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return absl::InternalError("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::string arg0 = program, arg1 = argument;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  int rc =
      posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    if (rc == ENOENT) {
      return absl::NotFoundError(absl::StrCat(program, " is not on PATH"));
    }
    return absl::UnavailableError(
        absl::StrCat("cannot run ", program, ": ", std::strerror(rc)));
  }
  WriteIgnoringSigpipe(in[1], input);
  close(in[1]);
  HelperExit exit;
  char buffer[4096];
  ssize_t n;
  while ((n = read(out[0], buffer, sizeof(buffer))) > 0) {
    if (exit.output.size() < (1 << 20)) exit.output.append(buffer, n);
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  exit.exited_zero = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return exit;
}

}  // namespace hpc::registry
