#include "importer/runtime/runc.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "importer/rootfs/root_dir.h"

namespace hpc::runtime {
namespace {

std::atomic<int> next_container{0};

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Starts `args` with stdin from /dev/null and stdout and stderr to
// `out_fd` (or /dev/null), in a process group of its own, so a terminal's
// ^C reaches hpcimg, which then stops the container itself.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args, int out_fd) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    setpgid(0, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) dup2(null, 0);
    int out = out_fd >= 0 ? out_fd : null;
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int RunQuietly(const std::vector<std::string>& args) {
  auto pid = Spawn(args, -1);
  return pid.ok() ? Wait(*pid) : -1;
}

}  // namespace

absl::StatusOr<Runc> Runc::Find(const std::string& binary) {
  std::string found;
  if (binary.find('/') != std::string::npos) {
    if (access(binary.c_str(), X_OK) == 0) found = binary;
  } else {
    const char* path = getenv("PATH");
    for (absl::string_view dir : absl::StrSplit(
             path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin", ':')) {
      if (dir.empty()) continue;
      std::string candidate = absl::StrCat(dir, "/", binary);
      if (access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
        break;
      }
    }
  }
  if (found.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the OCI runtime RUN executes through, \"", binary,
        "\", is not found or not executable (install Debian's runc package, "
        "or name it with --runtime PATH)"));
  }
  if (geteuid() != 0) {
    return absl::PermissionDeniedError(
        "runc, which RUN executes through, needs root: run hpcimg build as "
        "root (sudo) to build a Linux stage that RUNs");
  }
  return Runc(found);
}

absl::StatusOr<int> Runc::Run(const std::string& rootfs,
                              const std::string& work_dir,
                              const RunSpec& spec, const LineSink& output,
                              const Interrupt* interrupt) const {
  const int n = next_container++;
  const std::string id = absl::StrCat("hpcimg-", getpid(), "-", n);
  const std::string bundle = absl::StrCat(work_dir, "/bundle-", n);
  const std::string state = absl::StrCat(work_dir, "/runc-state");
  if (mkdir(bundle.c_str(), 0700) != 0) return Errno("make " + bundle);
  mkdir(state.c_str(), 0700);
  struct Cleanup {
    const Runc& runc;
    const std::string& state;
    const std::string& id;
    const std::string& bundle;
    ~Cleanup() {
      RunQuietly({runc.binary_, "--root", state, "delete", "--force", id});
      rootfs::RemoveAllAt(AT_FDCWD, bundle).IgnoreError();
    }
  } cleanup{*this, state, id, bundle};
  {
    std::ofstream config(bundle + "/config.json");
    config << MakeRuntimeSpec(spec, rootfs).dump(2) << "\n";
    if (!config.good()) return Errno("write " + bundle + "/config.json");
  }

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Errno("pipe");
  // The child's end must survive exec: without O_CLOEXEC there.
  int child_out = fcntl(pipe_fds[1], F_DUPFD, 3);
  auto pid = Spawn({binary_, "--root", state, "run", "--bundle", bundle, id},
                   child_out);
  close(child_out);
  close(pipe_fds[1]);
  if (!pid.ok()) {
    close(pipe_fds[0]);
    return pid.status();
  }

  std::string pending;
  bool killed = false;
  int kill_tries = 0;
  char buffer[65536];
  for (;;) {
    struct pollfd fds[2] = {{pipe_fds[0], POLLIN, 0},
                            {interrupt ? interrupt->fd() : -1, POLLIN, 0}};
    // Once killing, look again every 200 ms: a container runc had not yet
    // made when the first kill came is killed when it is there.
    int ready = poll(fds, (interrupt && !killed) ? 2 : 1, killed ? 200 : -1);
    if (ready < 0 && errno != EINTR) break;
    if (interrupt && interrupt->requested() && (!killed || ready == 0)) {
      killed = true;
      if (++kill_tries > 25) {
        kill(*pid, SIGKILL);  // runc itself no longer answers
      } else {
        RunQuietly({binary_, "--root", state, "kill", id, "KILL"});
      }
    }
    if (ready <= 0 || !(fds[0].revents & (POLLIN | POLLHUP))) continue;
    ssize_t got = read(pipe_fds[0], buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    pending.append(buffer, static_cast<size_t>(got));
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos;
         start = nl + 1) {
      if (output) output(absl::string_view(pending).substr(start, nl - start));
    }
    pending.erase(0, start);
  }
  close(pipe_fds[0]);
  if (!pending.empty() && output) output(pending);
  int code = Wait(*pid);
  if (killed) {
    return absl::CancelledError(absl::StrCat(
        "interrupted by signal ", interrupt->signal(),
        "; the container was killed"));
  }
  if (code < 0) return absl::InternalError("runc: lost its exit status");
  return code;
}

}  // namespace hpc::runtime
