// Airgap preload, as k3s's images folder: every image archive in a folder
// (.tar, .tar.gz, .tgz, .tar.zst, .tzst, .tar.lz4, .tar.bz2) is imported
// into containerd, unpacked, with the same code as `hpcimg import
// --plugin-address` (the blobs go into this plugin's store, containerd only
// registers them) -- at start, and then whenever one is added or changed
// while the plugin runs (a file is taken once it has kept its size and time
// for a second, so a half-copied one waits). The journal (preload_journal.h)
// makes restarts skip what is done and what failed unchanged; at start the
// records of archives still there are pinned again, and those of archives
// that left are unpinned. Each outcome is logged once. *.txt files list
// references to pull, which needs the registry transport: each line is
// reported as not supported yet.
#ifndef HPC_PLUGIN_INJECT_PRELOADER_H_
#define HPC_PLUGIN_INJECT_PRELOADER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "plugin/metrics/metrics.h"

namespace hpc::inject {

struct PreloadOptions {
  std::string dir;             // the archives
  std::string journal;         // file recording what was imported
  std::string plugin_address;  // this plugin's socket
  std::string containerd_address;
  std::string ns;
  std::string snapshotter;  // unpacked into this one; empty: not unpacked
  bool pin = true;          // io.cri-containerd.pinned=pinned on its records
  metrics::Metrics* metrics = nullptr;  // told of each outcome, if set
};

class Preloader {
 public:
  // Starts importing in the background; InvalidArgument when `dir` is not a
  // directory.
  static absl::StatusOr<std::unique_ptr<Preloader>> Start(
      PreloadOptions options);
  ~Preloader();

 private:
  explicit Preloader(PreloadOptions options) : options_(std::move(options)) {}
  void Run();

  PreloadOptions options_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hpc::inject

#endif  // HPC_PLUGIN_INJECT_PRELOADER_H_
