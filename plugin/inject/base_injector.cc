#include "plugin/inject/base_injector.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/base/base_image.h"
#include "importer/containerd/connection.h"
#include "importer/containerd/register_image.h"
#include "importer/log/log.h"
#include "importer/unpack/unpack.h"

namespace hpc::inject {

namespace {
// Waiting for containerd: until its socket exists, look for it every 10 ms
// (a stat, so the base image is there within milliseconds of containerd
// serving); once it exists the channel itself retries every 100 ms within a
// wait; after other errors, pause with backoff.
constexpr absl::Duration kConnectWait = absl::Seconds(1);
constexpr absl::Duration kSocketPoll = absl::Milliseconds(10);
constexpr absl::Duration kFirstRetry = absl::Milliseconds(50);
constexpr absl::Duration kMaxRetry = absl::Seconds(5);
constexpr size_t kCopyBuffer = 1 << 20;
}  // namespace

absl::Status WriteImageToStore(image::ImageSource& image, store::Store& store) {
  auto blobs = image::ListBlobs(image);
  if (!blobs.ok()) return blobs.status();
  for (const oci::Descriptor& blob : *blobs) {
    auto writer = store.OpenWriter(absl::StrCat("inject-", blob.digest.str()),
                                   blob.size, blob.digest.str());
    if (absl::IsAlreadyExists(writer.status())) continue;
    if (!writer.ok()) return writer.status();
    if ((*writer)->Status().offset > 0) {
      if (absl::Status s = (*writer)->Truncate(0); !s.ok()) return s;
    }
    auto stream = image.Open(blob);
    if (!stream.ok()) return stream.status();
    std::string buffer(kCopyBuffer, '\0');
    while (true) {
      auto n = (*stream)->Read(buffer.data(), buffer.size());
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      if (absl::Status s =
              (*writer)->Write(absl::string_view(buffer.data(), *n));
          !s.ok()) {
        return s;
      }
    }
    absl::Status s = (*writer)->Commit(blob.size, blob.digest.str(), nullptr);
    if (!s.ok() && !absl::IsAlreadyExists(s)) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BaseInjector>> BaseInjector::Start(
    store::Store& store, InjectOptions options) {
  base::BaseImageOptions base_options;
  auto created = base::ReproducibleTime();
  if (!created.ok()) return created.status();
  base_options.created = *created;
  auto image = base::GenerateBaseImage(base_options);
  if (!image.ok()) return image.status();
  if (absl::Status s = WriteImageToStore(**image, store); !s.ok()) {
    return absl::Status(
        s.code(),
        absl::StrCat("writing the base image into the store: ", s.message()));
  }
  log::Info("base image %s (%s) is in the store", options.image_name,
            (*image)->root().digest.str());
  std::unique_ptr<BaseInjector> injector(
      new BaseInjector(std::move(*image), std::move(options)));
  injector->thread_ = std::thread(&BaseInjector::Run, injector.get());
  return injector;
}

BaseInjector::~BaseInjector() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void BaseInjector::Run() {
  absl::Duration pause = kFirstRetry;
  bool told_waiting = false;
  while (!stop_.HasBeenNotified()) {
    auto connection = containerd::Connection::Dial(options_.containerd_address,
                                                   options_.ns, kConnectWait);
    absl::Status status = connection.status();
    if (connection.ok()) {
      containerd::RegisterOptions register_options;
      register_options.names = {options_.image_name};
      register_options.pin = options_.pin;
      if (!options_.snapshotter.empty()) {
        register_options.after_content = [&](containerd::Connection& c) {
          return unpack::Unpack(c, *image_, options_.snapshotter).status();
        };
      }
      auto result =
          containerd::RegisterImage(**connection, *image_, register_options);
      if (result.ok()) {
        log::Info("base image registered in containerd namespace %s as %s%s",
                  options_.ns, absl::StrJoin(result->records, ", "),
                  result->changed ? "" : " (already there)");
        if (options_.metrics != nullptr) {
          options_.metrics->CountOutcome(
              "inject", result->changed ? "registered" : "already_there");
        }
        return;
      }
      status = result.status();
    }
    if (options_.metrics != nullptr && !absl::IsUnavailable(status)) {
      options_.metrics->CountOutcome("inject", "failed_retrying");
    }
    if (!told_waiting || !absl::IsUnavailable(status)) {
      log::Info("base image not registered yet, retrying: %s",
                status.message());
      told_waiting = true;
    }
    if (absl::IsUnavailable(status)) {
      stop_.WaitForNotificationWithTimeout(kSocketPoll);
    } else {
      stop_.WaitForNotificationWithTimeout(pause);
      pause = std::min(pause * 2, kMaxRetry);
    }
  }
}

}  // namespace hpc::inject
