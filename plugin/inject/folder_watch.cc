#include "plugin/inject/folder_watch.h"

#include <thread>

namespace hpc::inject {
namespace {

class TimedWatch final : public FolderWatch {
 public:
  void Wait(absl::Duration timeout) override {
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(timeout));
  }
};

}  // namespace

std::unique_ptr<FolderWatch> FolderWatch::Timed() {
  return std::make_unique<TimedWatch>();
}

}  // namespace hpc::inject
