// Injection of the HostProcess base image at plugin start.
//
// The base image is generated and its blobs written straight into the store
// before the plugin serves, so they are on disk whatever containerd does.
// Then, in the background, the image is registered in containerd as soon as
// containerd answers (the plugin starts before containerd, so this retries
// with backoff, logging, and never fails the plugin), with the same code as
// `hpcimg copy base: containerd:NAME`. Containerd finds the blobs already in
// its backing store and sends no bytes. Running it again changes nothing.
#ifndef HPC_PLUGIN_INJECT_BASE_INJECTOR_H_
#define HPC_PLUGIN_INJECT_BASE_INJECTOR_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "importer/image/image_source.h"
#include "plugin/metrics/metrics.h"
#include "plugin/store/store.h"

namespace hpc::inject {

struct InjectOptions {
  std::string containerd_address;
  std::string ns;
  std::string image_name;
  std::string snapshotter;  // unpacked into this one; empty: not unpacked
  bool pin = true;          // io.cri-containerd.pinned=pinned on its records
  metrics::Metrics* metrics = nullptr;  // told of the outcome, if set
};

// Writes every blob of `image` into `store` that it does not hold yet.
absl::Status WriteImageToStore(image::ImageSource& image, store::Store& store);

class BaseInjector {
 public:
  // Generates the base image and writes its blobs to `store`; then starts
  // registering it in containerd in the background.
  static absl::StatusOr<std::unique_ptr<BaseInjector>> Start(
      store::Store& store, InjectOptions options);
  // Stops retrying and waits for the background work to end.
  ~BaseInjector();

 private:
  BaseInjector(std::unique_ptr<image::ImageSource> image, InjectOptions options)
      : image_(std::move(image)), options_(std::move(options)) {}
  void Run();

  std::unique_ptr<image::ImageSource> image_;
  InjectOptions options_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hpc::inject

#endif  // HPC_PLUGIN_INJECT_BASE_INJECTOR_H_
