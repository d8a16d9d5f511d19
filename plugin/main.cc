// hpc-content-plugin: containerd's content store as a proxy plugin.
//
// Parses flags, opens the store, serves it, and stops cleanly on SIGTERM or
// SIGINT. Everything else lives in plugin/store and plugin/server.
#include <malloc.h>
#include <signal.h>
#include <string.h>

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "importer/base/base_image.h"
#include "importer/cli/flags.h"
#include "importer/containerd/connection.h"
#include "importer/log/log.h"
#include "importer/unpack/unpack.h"
#include "plugin/inject/base_injector.h"
#include "plugin/inject/preloader.h"
#include "plugin/server/server.h"
#include "plugin/store/store.h"

namespace {

constexpr char kUsage[] =
    R"(hpc-content-plugin serves containerd's content store API
(containerd.services.content.v1.Content) from a directory on local disk.

Usage: hpc-content-plugin [flags]

containerd uses it as its only content store with, in its config.toml:

  version = 2
  disabled_plugins = ["io.containerd.content.v1.content"]
  [proxy_plugins.hpc]
    type = "content"
    address = "/run/hpc-content/content.sock"

With --inject-base the plugin also puts the HostProcess base image into the
store and registers it in containerd (namespace k8s.io by default) as soon
as containerd answers.

Start the plugin before containerd. On SIGTERM or SIGINT it lets running
calls finish (up to 10s), removes its socket and exits 0.
)";

constexpr absl::Duration kShutdownGrace = absl::Seconds(10);

struct Options {
  std::string root = "/var/lib/hpc-content";
  bool inject_base = false;
  std::string containerd = hpc::containerd::kDefaultAddress;
  std::string ns = hpc::containerd::kDefaultNamespace;
  std::string base_name;
  std::string preload;
  std::string snapshotter = hpc::unpack::DefaultSnapshotter();
  std::string address = "/run/hpc-content/content.sock";
  std::string log_level = "info";
  bool version = false;
};

int Serve(const Options& options) {
  // Write messages are up to 1 MiB each and their buffers are given back as
  // soon as they are written: keep such buffers on malloc's heap, where the
  // next message reuses them without page faults, and keep the arenas few,
  // so memory under many concurrent writers stays bounded.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_ARENA_MAX, 2);

  // Signals are taken by sigwait below, so block them before any thread
  // starts: gRPC's threads inherit the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The store's locks are simple and short; absl's deadlock detection would
  // cost more than the work they guard.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto store = hpc::store::Store::Open(options.root);
  if (!store.ok()) {
    hpc::log::Error("%s", store.status().message());
    return 1;
  }
  // The base image's blobs are in the store before the socket exists; its
  // registration in containerd runs in the background from here on.
  std::unique_ptr<hpc::inject::BaseInjector> injector;
  if (options.inject_base) {
    auto started = hpc::inject::BaseInjector::Start(
        **store, {options.containerd, options.ns, options.base_name,
                  options.snapshotter});
    if (!started.ok()) {
      hpc::log::Error("%s", started.status().message());
      return 1;
    }
    injector = std::move(*started);
  }

  auto server = hpc::server::Server::Start(**store, options.address);
  if (!server.ok()) {
    hpc::log::Error("%s", server.status().message());
    return 1;
  }
  hpc::log::Info("serving content store %s on %s", options.root,
                 options.address);

  std::unique_ptr<hpc::inject::Preloader> preloader;
  if (!options.preload.empty()) {
    auto started = hpc::inject::Preloader::Start(
        {options.preload, absl::StrCat(options.root, "/preload.journal"),
         options.address, options.containerd, options.ns, options.snapshotter});
    if (!started.ok()) {
      hpc::log::Error("%s", started.status().message());
      return 1;
    }
    preloader = std::move(*started);
  }

  // Wait for SIGTERM or SIGINT. Every 10 s in between, memory freed since
  // (the buffers of a burst of pulls, say) goes back to the system.
  int signal_number = -1;
  const timespec trim_interval = {10, 0};
  while (signal_number < 0) {
    signal_number = sigtimedwait(&stop_signals, nullptr, &trim_interval);
    if (signal_number < 0) malloc_trim(0);
  }
  hpc::log::Info("received %s, shutting down", strsignal(signal_number));
  preloader.reset();
  injector.reset();
  (*server)->Shutdown(kShutdownGrace);
  hpc::log::Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  hpc::cli::FlagSet flags("hpc-content-plugin", kUsage);
  flags.String("root", &options.root,
               "content store directory; an existing containerd content root "
               "is served as it is",
               "DIR");
  flags.String("address", &options.address, "unix socket to serve on",
               "SOCKET");
  flags.String("log-level", &options.log_level, "debug, info, warn or error",
               "LEVEL");
  flags.Bool("inject-base", &options.inject_base,
             "put the HostProcess base image into the store and register it in "
             "containerd");
  flags.String("containerd", &options.containerd,
               "containerd's socket, for --inject-base", "SOCKET");
  flags.String("namespace", &options.ns,
               "containerd namespace, for --inject-base", "NS");
  options.base_name = absl::StrCat(hpc::base::kBaseImageRepository, ":",
                                   hpc::base::kDefaultBaseVersion);
  flags.String("preload", &options.preload,
               "import, at start, every image archive in DIR not imported yet "
               "(needs --containerd)",
               "DIR");
  flags.String(
      "snapshotter", &options.snapshotter,
      "snapshotter that injected and preloaded images are unpacked into",
      "NAME");
  flags.String("base-name", &options.base_name, "image name, for --inject-base",
               "NAME");
  flags.Bool("version", &options.version, "print the version and exit");

  auto args = flags.Parse(std::vector<std::string>(argv + 1, argv + argc));
  if (!args.ok()) {
    std::cerr << args.status().message() << "\n";
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (options.version) {
    std::cout << "hpc-content-plugin " << HPC_VERSION << "\n";
    return 0;
  }
  if (!args->empty()) {
    std::cerr << "hpc-content-plugin: unexpected argument \"" << (*args)[0]
              << "\"; see hpc-content-plugin --help\n";
    return 2;
  }
  auto level = hpc::log::ParseLevel(options.log_level);
  if (!level.ok()) {
    std::cerr << "hpc-content-plugin: --log-level: " << level.status().message()
              << "\n";
    return 2;
  }
  hpc::log::SetLevel(*level);
  return Serve(options);
}
