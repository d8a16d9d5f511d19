#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "importer/oci/json.h"
#include "importer/registry/credential_helper.h"

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

absl::StatusOr<std::optional<Credentials>> RunCredentialHelper(
    absl::string_view helper, absl::string_view server) {
  const std::string program = absl::StrCat("docker-credential-", helper);
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
  std::string arg0 = program, arg1 = "get";
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
      return absl::NotFoundError(absl::StrCat(
          "credential helper ", program,
          " is not on PATH (named by the Docker config's credHelpers or "
          "credsStore)"));
    }
    return absl::UnavailableError(
        absl::StrCat("cannot run ", program, ": ", std::strerror(rc)));
  }
  std::string request(server);
  request.push_back('\n');
  WriteIgnoringSigpipe(in[1], request);
  close(in[1]);
  std::string output;
  char buffer[4096];
  ssize_t n;
  while ((n = read(out[0], buffer, sizeof(buffer))) > 0) {
    if (output.size() < (1 << 20)) output.append(buffer, n);
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // Helpers print "credentials not found in native keychain" when they
    // have none; anything else is a failure.
    if (absl::StrContains(output, "credentials not found")) {
      return std::optional<Credentials>();
    }
    return absl::UnavailableError(
        absl::StrCat(program, " get failed for ", server, ": ",
                     absl::StripAsciiWhitespace(output.substr(0, 200))));
  }
  // Never quote what a helper printed: it holds a secret.
  auto doc = oci::Json::parse(output, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return absl::UnavailableError(
        absl::StrCat(program, " get answered something that is not JSON"));
  }
  Credentials c;
  if (auto it = doc.find("Username"); it != doc.end() && it->is_string())
    c.username = it->get<std::string>();
  if (auto it = doc.find("Secret"); it != doc.end() && it->is_string())
    c.password = it->get<std::string>();
  if (c.empty()) return std::optional<Credentials>();
  return std::optional<Credentials>(c);
}

}  // namespace hpc::registry
