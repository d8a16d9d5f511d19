#include "plugin/inject/base_injector.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/base/base_image.h"
#include "importer/containerd/connection.h"
#include "importer/containerd/register_image.h"
#include "importer/log/log.h"
#include "importer/unpack/unpack.h"
#include "plugin/inject/folder_watch.h"

namespace hpc::inject {

namespace {
// Waiting for containerd: until its socket exists, wake when something is
// created in the socket's folder (inotify), or look for it every 10 ms where
// the folder cannot be watched (a named pipe, or a folder not made yet), so
// the base image is listed within milliseconds of containerd serving; once
// the socket exists but refuses, dial again after a millisecond, doubling;
// after other errors, pause with backoff.
constexpr absl::Duration kConnectWait = absl::Seconds(1);
constexpr absl::Duration kSocketPoll = absl::Milliseconds(10);
constexpr absl::Duration kWatchedSocketWait = absl::Milliseconds(100);
// A socket that is there but refuses is tried again after 1 ms, doubling to
// kWatchedSocketWait: listen() comes a moment after the bind that woke us,
// and a socket left by a containerd that died may refuse for hours.
constexpr absl::Duration kFirstRefusedRetry = absl::Milliseconds(1);
constexpr absl::Duration kFirstRetry = absl::Milliseconds(50);
constexpr absl::Duration kMaxRetry = absl::Seconds(5);
constexpr size_t kCopyBuffer = 1 << 20;

// The folder a unix socket address is in; empty for anything else.
std::string SocketFolder(const std::string& address) {
  if (address.empty() || address.front() != '/') return "";
  return address.substr(0, std::max<size_t>(address.rfind('/'), 1));
}

bool Exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}
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
  absl::Duration refused_pause = kFirstRefusedRetry;
  std::unique_ptr<FolderWatch> socket_watch;
  while (!stop_.HasBeenNotified()) {
    // Watching before dialling: a socket made in between still wakes us.
    if (socket_watch == nullptr) {
      socket_watch =
          FolderWatch::TryOpen(SocketFolder(options_.containerd_address));
    }
    auto connection = containerd::Connection::Dial(options_.containerd_address,
                                                   options_.ns, kConnectWait);
    absl::Status status = connection.status();
    if (connection.ok()) {
      containerd::RegisterOptions register_options;
      register_options.names = {options_.image_name};
      register_options.pin = options_.pin;
      register_options.after_records = [&](containerd::Connection& c) {
        log::Info("base image listed in containerd namespace %s as %s",
                  options_.ns, options_.image_name);
        if (options_.snapshotter.empty()) return absl::OkStatus();
        return unpack::Unpack(c, *image_, options_.snapshotter).status();
      };
      auto result =
          containerd::RegisterImage(**connection, *image_, register_options);
      if (result.ok()) {
        log::Info("base image registered in containerd namespace %s as %s%s%s",
                  options_.ns, absl::StrJoin(result->records, ", "),
                  options_.snapshotter.empty()
                      ? ""
                      : absl::StrCat(", unpacked into ", options_.snapshotter),
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
    if (absl::IsUnavailable(status) && socket_watch != nullptr) {
      if (Exists(options_.containerd_address)) {
        socket_watch->Wait(refused_pause);
        refused_pause = std::min(refused_pause * 2, kWatchedSocketWait);
      } else {
        refused_pause = kFirstRefusedRetry;
        socket_watch->Wait(kWatchedSocketWait);
      }
    } else if (absl::IsUnavailable(status)) {
      stop_.WaitForNotificationWithTimeout(kSocketPoll);
    } else {
      stop_.WaitForNotificationWithTimeout(pause);
      pause = std::min(pause * 2, kMaxRetry);
    }
  }
}

}  // namespace hpc::inject
