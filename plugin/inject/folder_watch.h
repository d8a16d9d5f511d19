// Waking when a folder's files change. Linux: inotify (a file written and
// closed, created, moved in or out, deleted, changed). Windows: a timeout
// alone; the caller rescans the folder each time.
#ifndef HPC_PLUGIN_INJECT_FOLDER_WATCH_H_
#define HPC_PLUGIN_INJECT_FOLDER_WATCH_H_

#include <memory>
#include <string>

#include "absl/time/time.h"

namespace hpc::inject {

class FolderWatch {
 public:
  // Watches `dir`; when the system cannot, Wait is a plain timeout.
  static std::unique_ptr<FolderWatch> Open(const std::string& dir);
  // Watches `dir`; null when the system cannot (no such folder, or Windows).
  static std::unique_ptr<FolderWatch> TryOpen(const std::string& dir);
  // Waits for the timeout alone.
  static std::unique_ptr<FolderWatch> Timed();
  virtual ~FolderWatch() = default;
  // Returns once something in the folder changed, or after `timeout`.
  virtual void Wait(absl::Duration timeout) = 0;
};

}  // namespace hpc::inject

#endif  // HPC_PLUGIN_INJECT_FOLDER_WATCH_H_
