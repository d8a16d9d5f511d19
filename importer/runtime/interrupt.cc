#include "importer/runtime/interrupt.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace hpc::runtime {
namespace {

std::atomic<int> received{0};
int pipe_fds[2] = {-1, -1};
struct sigaction previous_int, previous_term;

void OnSignal(int sig) {
  int expected = 0;
  received.compare_exchange_strong(expected, sig);
  if (pipe_fds[1] >= 0) {
    char c = 1;
    ssize_t ignored = write(pipe_fds[1], &c, 1);
    (void)ignored;
  }
}

}  // namespace

Interrupt::Interrupt() {
  received = 0;
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) pipe_fds[0] = pipe_fds[1] = -1;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &previous_int);
  sigaction(SIGTERM, &sa, &previous_term);
}

Interrupt::~Interrupt() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
  for (int& fd : pipe_fds) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

int Interrupt::signal() const { return received.load(); }

int Interrupt::fd() const { return pipe_fds[0]; }

}  // namespace hpc::runtime
