// Airgap preload: at plugin start, every image archive in a folder that was
// not imported yet is imported into containerd, unpacked, with the same code
// as `hpcimg import --plugin-address` (the blobs go into this plugin's store,
// containerd only registers them). A journal in the store root, keyed by each
// archive's size, modification time and digest, makes restarts skip what is
// done; a failed archive is logged and tried again at the next start.
#ifndef HPC_PLUGIN_INJECT_PRELOADER_H_
#define HPC_PLUGIN_INJECT_PRELOADER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"

namespace hpc::inject {

struct PreloadOptions {
  std::string dir;             // the archives
  std::string journal;         // file recording what was imported
  std::string plugin_address;  // this plugin's socket
  std::string containerd_address;
  std::string ns;
  std::string snapshotter;  // unpacked into this one; empty: not unpacked
  bool pin = true;          // io.cri-containerd.pinned=pinned on its records
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
