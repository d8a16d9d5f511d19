#include "plugin/inject/folder_watch.h"

namespace hpc::inject {

std::unique_ptr<FolderWatch> FolderWatch::Open(const std::string& dir) {
  return Timed();
}

std::unique_ptr<FolderWatch> FolderWatch::TryOpen(const std::string& dir) {
  return nullptr;
}

}  // namespace hpc::inject
