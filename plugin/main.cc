// hpc-content-plugin: containerd's content store as a proxy plugin.
//
// Parses flags, opens the store, serves it, and stops cleanly when asked
// (SIGTERM or SIGINT; on Windows Ctrl-C, Ctrl-Break or the service control
// manager). Everything else lives in plugin/store, plugin/server and
// plugin/daemon.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "importer/base/base_image.h"
#include "importer/cli/flags.h"
#include "importer/cli/registry_flags.h"
#include "importer/containerd/connection.h"
#include "importer/log/log.h"
#include "importer/unpack/unpack.h"
#include "plugin/configure/configure_containerd.h"
#include "plugin/daemon/process.h"
#include "plugin/daemon/readiness.h"
#include "plugin/daemon/service.h"
#include "plugin/inject/base_injector.h"
#include "plugin/inject/preloader.h"
#include "plugin/metrics/metrics.h"
#include "plugin/metrics/metrics_endpoint.h"
#include "plugin/server/endpoint.h"
#include "plugin/server/server.h"
#include "plugin/store/store.h"

namespace {

constexpr char kUsage[] =
    R"(hpc-content-plugin serves containerd's content store API
(containerd.services.content.v1.Content) from a directory on local disk.

Usage: hpc-content-plugin [flags]
       hpc-content-plugin configure-containerd [flags]   (see its --help)

containerd uses it as its only content store with, in its config.toml:

  version = 2
  disabled_plugins = ["io.containerd.content.v1.content"]
  [proxy_plugins.hpc]
    type = "content"
    address = "/run/hpc-content/content.sock"

(containerd 2.x: version = 3, the same two sections. On Windows the address
is a named pipe, \\.\pipe\hpc-content by default, written in TOML as
'\\.\pipe\hpc-content'.)

With --inject-base the plugin also puts the HostProcess base image into the
store and registers it in containerd (namespace k8s.io by default) as soon
as containerd answers. Injected and preloaded images are pinned: their
records carry io.cri-containerd.pinned=pinned, which keeps kubelet's image
garbage collection off them (containerd 1.6.22+, 1.7.3+); --no-pin leaves
that label off.

With --preload DIR the plugin imports the image archives in DIR, as k3s's
airgap folder, and pulls the images its *.txt files list, one reference
per line (a line may add --keep-index). Pulls use --authfile, --cert-dir
and --hosts-dir as hpcimg does; a registry that is down is tried again with
backoff, and a list is read again whenever it changes.

Start the plugin before containerd. When asked to stop (SIGTERM or SIGINT;
on Windows Ctrl-C, Ctrl-Break, or a service stop) it lets running calls
finish (up to 10s), closes its socket or pipe and exits 0.

On Windows, --service install registers the plugin as the Windows service
hpc-content-plugin (automatic start) with the other flags given;
--service uninstall removes it; --service run is what the service runs.
)";

constexpr absl::Duration kShutdownGrace = absl::Seconds(10);

struct Options {
  std::string root = hpc::store::DefaultStoreRoot();
  bool inject_base = false;
  std::string containerd = hpc::containerd::DefaultContainerdAddress();
  std::string ns = hpc::containerd::kDefaultNamespace;
  std::string base_name;
  std::string preload;
  std::string snapshotter = hpc::unpack::DefaultSnapshotter();
  std::string address = hpc::server::DefaultEndpointAddress();
  std::string service;
  std::string log_level = "info";
  std::string log_file;
  bool no_unpack = false;
  bool no_pin = false;
  std::string metrics_address;
  bool version = false;
  hpc::cli::RegistryFlags registry;  // for the pulls of *.txt lists
};

// What the metrics read from the store when scraped.
std::vector<hpc::metrics::Gauge> StoreGauges(hpc::store::Store& store) {
  double blobs = 0, bytes = 0, ingests = 0;
  store
      .Walk({},
            [&](const hpc::store::BlobInfo& info) {
              ++blobs;
              bytes += static_cast<double>(info.size);
              return absl::OkStatus();
            })
      .IgnoreError();
  if (auto statuses = store.ListStatuses({}); statuses.ok()) {
    ingests = static_cast<double>(statuses->size());
  }
  return {
      {"hpc_content_store_blobs", "Blobs in the store.", blobs},
      {"hpc_content_store_bytes", "Bytes of the blobs in the store.", bytes},
      {"hpc_content_ingests_open", "Ingests started and not committed.",
       ingests}};
}

int Serve(const Options& options) {
  // The store's locks are simple and short; absl's deadlock detection would
  // cost more than the work they guard.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto store = hpc::store::Store::Open(options.root);
  if (!store.ok()) {
    hpc::log::Error("%s", store.status().message());
    return 1;
  }
  std::unique_ptr<hpc::metrics::Metrics> metrics;
  std::unique_ptr<hpc::metrics::MetricsEndpoint> metrics_endpoint;
  if (!options.metrics_address.empty()) {
    metrics = std::make_unique<hpc::metrics::Metrics>();
    hpc::store::Store* served = store->get();
    metrics->SetGauges([served] { return StoreGauges(*served); });
    auto endpoint =
        hpc::metrics::MetricsEndpoint::Start(options.metrics_address, *metrics);
    if (!endpoint.ok()) {
      hpc::log::Error("%s", endpoint.status().message());
      return 1;
    }
    metrics_endpoint = std::move(*endpoint);
    hpc::log::Info("serving metrics on http://%s/metrics",
                   metrics_endpoint->address());
  }
  // The base image's blobs are in the store before the socket exists; its
  // registration in containerd runs in the background from here on.
  std::unique_ptr<hpc::inject::BaseInjector> injector;
  if (options.inject_base) {
    auto started = hpc::inject::BaseInjector::Start(
        **store, {options.containerd, options.ns, options.base_name,
                  options.snapshotter, !options.no_pin, metrics.get()});
    if (!started.ok()) {
      hpc::log::Error("%s", started.status().message());
      return 1;
    }
    injector = std::move(*started);
  }

  auto server =
      hpc::server::Server::Start(**store, options.address, metrics.get());
  if (!server.ok()) {
    hpc::log::Error("%s", server.status().message());
    return 1;
  }
  hpc::log::Info("serving content store %s on %s", options.root,
                 options.address);
  hpc::daemon::NotifyReady();

  std::unique_ptr<hpc::inject::Preloader> preloader;
  if (!options.preload.empty()) {
    auto started = hpc::inject::Preloader::Start(
        {options.preload, absl::StrCat(options.root, "/preload.journal"),
         options.address, options.containerd, options.ns, options.snapshotter,
         !options.no_pin, metrics.get(), options.registry.options});
    if (!started.ok()) {
      hpc::log::Error("%s", started.status().message());
      return 1;
    }
    preloader = std::move(*started);
  }

  // Wait to be asked to stop. Every 10 s in between, memory freed since
  // (the buffers of a burst of pulls, say) goes back to the system.
  std::string why = hpc::daemon::WaitForStop(absl::Seconds(10),
                                             hpc::daemon::ReleaseFreeMemory);
  hpc::log::Info("received %s, shutting down", why);
  hpc::daemon::NotifyStopping();
  preloader.reset();
  injector.reset();
  (*server)->Shutdown(kShutdownGrace);
  hpc::log::Info("stopped");
  return 0;
}

// --service ACTION: the rest of the command line becomes the service's.
int Service(const Options& options, int argc, char** argv) {
  if (options.service == "run") {
    hpc::daemon::PrepareProcess();
    auto code = hpc::daemon::RunService([&] { return Serve(options); });
    if (!code.ok()) {
      std::cerr << "hpc-content-plugin: " << code.status().message() << "\n";
      return 1;
    }
    return *code;
  }
  absl::Status done;
  if (options.service == "install") {
    std::vector<std::string> flags;
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--service" || arg == "-service") {
        ++i;  // and its value
        continue;
      }
      if (absl::StartsWith(arg, "--service=") ||
          absl::StartsWith(arg, "-service=")) {
        continue;
      }
      flags.push_back(arg);
    }
    done = hpc::daemon::InstallService(flags);
  } else if (options.service == "uninstall") {
    done = hpc::daemon::UninstallService();
  } else {
    std::cerr << "hpc-content-plugin: --service \"" << options.service
              << "\": expected install, uninstall or run\n";
    return 2;
  }
  if (!done.ok()) {
    std::cerr << "hpc-content-plugin: " << done.message() << "\n";
    return 1;
  }
  std::cout << "service " << hpc::daemon::kServiceName << " "
            << (options.service == "install" ? "installed" : "removed") << "\n";
  return 0;
}

constexpr char kConfigureUsage[] =
    R"(Usage: hpc-content-plugin configure-containerd [flags]

Makes the plugin containerd's only content store in containerd's config.toml
(config versions 2, 3 and 4): adds io.containerd.content.v1.content to
disabled_plugins, and a content proxy [proxy_plugins.hpc] at --address; from
version 3 on it also exports --root as the proxy's root, for tools that look
for the content root. Every other setting and comment stays as it is; the old
file is kept as PATH.bak-TIMESTAMP; a second run changes nothing. A missing
file is created as a version 2 config (containerd 1.6 to 2.x read it).
Refused, with nothing written: TOML that does not parse, a config without a
version (containerd reads it as version 1), and another content proxy.

Restart containerd afterwards, with the plugin running.
)";

int ConfigureContainerd(const std::vector<std::string>& args) {
  std::string config = hpc::configure::DefaultContainerdConfigPath();
  hpc::configure::ContentProxy proxy;
  proxy.address = hpc::server::DefaultEndpointAddress();
  proxy.root = hpc::store::DefaultStoreRoot();
  bool dry_run = false;
  hpc::cli::FlagSet flags("hpc-content-plugin configure-containerd",
                          kConfigureUsage);
  flags.String("config", &config, "containerd's config file", "PATH");
  flags.String("address", &proxy.address,
               "the plugin's socket or pipe, as it is started with", "ADDRESS");
  flags.String("root", &proxy.root, "the plugin's store, as it is started with",
               "DIR");
  flags.String("name", &proxy.name, "the proxy's name under proxy_plugins",
               "NAME");
  flags.Bool("dry-run", &dry_run,
             "print the config that would be written, and write nothing");
  auto rest = flags.Parse(args);
  if (!rest.ok()) {
    std::cerr << rest.status().message() << "\n";
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (!rest->empty()) {
    std::cerr
        << "hpc-content-plugin configure-containerd: unexpected argument \""
        << (*rest)[0] << "\"\n";
    return 2;
  }
  auto result = hpc::configure::ConfigureContainerd(config, proxy, dry_run);
  if (!result.ok()) {
    std::cerr << "hpc-content-plugin configure-containerd: "
              << result.status().message() << "\n";
    return result.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  if (result->edit.changes.empty()) {
    std::cout << config << ": already configured; nothing changed\n";
    return 0;
  }
  if (dry_run) {
    std::cout << result->edit.text;
    std::cerr << config << ": would change (config version "
              << result->edit.version << "):\n";
    for (const std::string& change : result->edit.changes) {
      std::cerr << "  " << change << "\n";
    }
    return 0;
  }
  std::cout << config << (result->created ? ": created" : ": updated")
            << " (config version " << result->edit.version << ")\n";
  for (const std::string& change : result->edit.changes) {
    std::cout << "  " << change << "\n";
  }
  if (!result->backup.empty()) {
    std::cout << "  the old file is kept as " << result->backup << "\n";
  }
  std::cout << "restart containerd, with the plugin running, to use it\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "configure-containerd") {
    return ConfigureContainerd(std::vector<std::string>(argv + 2, argv + argc));
  }
  Options options;
  hpc::cli::FlagSet flags("hpc-content-plugin", kUsage);
  flags.String("root", &options.root,
               "content store directory; an existing containerd content root "
               "is served as it is",
               "DIR");
  flags.String("address", &options.address,
               "unix socket (Linux) or named pipe (Windows) to serve on",
               "ADDRESS");
  flags.String("log-file", &options.log_file,
               "append the log to FILE instead of standard error (a Windows "
               "service has no standard error)",
               "FILE");
  flags.String("log-level", &options.log_level, "debug, info, warn or error",
               "LEVEL");
  flags.Bool("inject-base", &options.inject_base,
             "put the HostProcess base image into the store and register it in "
             "containerd");
  flags.String("containerd", &options.containerd,
               "containerd's address, for --inject-base and --preload",
               "ADDRESS");
  flags.String("namespace", &options.ns,
               "containerd namespace, for --inject-base", "NS");
  options.base_name = absl::StrCat(hpc::base::kBaseImageRepository, ":",
                                   hpc::base::kDefaultBaseVersion);
  flags.String("preload", &options.preload,
               "import every image archive in DIR not imported yet, and pull "
               "every image its *.txt files list, at start and as files "
               "arrive or change (needs --containerd)",
               "DIR");
  flags.String(
      "snapshotter", &options.snapshotter,
      "snapshotter that injected and preloaded images are unpacked into",
      "NAME");
  flags.Bool("no-unpack", &options.no_unpack,
             "register injected and preloaded images without unpacking them");
  flags.Bool("no-pin", &options.no_pin,
             "do not label injected and preloaded images "
             "io.cri-containerd.pinned=pinned");
  flags.String("base-name", &options.base_name, "image name, for --inject-base",
               "NAME");
  flags.String("service", &options.service,
               "Windows: install, uninstall, or run as the Windows service",
               "ACTION");
  flags.String("metrics-address", &options.metrics_address,
               "serve Prometheus metrics at http://HOST:PORT/metrics "
               "(e.g. 127.0.0.1:9464)",
               "HOST:PORT");
  options.registry.Add(flags, "*.txt preload", /*creds=*/false);
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
  if (!options.log_file.empty() &&
      std::freopen(options.log_file.c_str(), "a", stderr) == nullptr) {
    std::cerr << "hpc-content-plugin: --log-file " << options.log_file
              << ": cannot open it for appending\n";
    return 2;
  }
  if (options.no_unpack) options.snapshotter.clear();
  if (!options.service.empty()) return Service(options, argc, argv);
  hpc::daemon::PrepareProcess();
  return Serve(options);
}
