// Progress on a terminal: a line per blob in flight (digest, a bar, bytes
// moved of the total, rate), redrawn in place as several blobs move at
// once; a finished blob's line stays. Prints nothing when standard error is
// not a terminal. Safe to call from several threads.
#ifndef HPC_IMPORTER_CLI_PROGRESS_H_
#define HPC_IMPORTER_CLI_PROGRESS_H_

#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "importer/containerd/content_client.h"

namespace hpc::cli {

class TerminalProgress {
 public:
  // Whether standard error is a terminal.
  static bool Available();

  // A callback for containerd::PutBlob; `this` must outlive it.
  containerd::Progress Callback();
  // `sent` bytes of `blob` moved; the blob is done once all have.
  void Update(const oci::Descriptor& blob, int64_t sent);
  // `blob` is done without its bytes being sent: `what` says why
  // ("already there", "mounted").
  void Done(const oci::Descriptor& blob, absl::string_view what);

 private:
  struct InFlight {
    oci::Descriptor blob;
    int64_t sent = 0;
    absl::Time started;
  };
  // Erases the lines of blobs in flight, prints `line` (when given) for
  // good, and draws the lines again.
  void RedrawLocked(const std::string& line);

  std::mutex mu_;
  std::vector<InFlight> in_flight_;
  int drawn_ = 0;  // lines drawn below the cursor's line of record
  absl::Time last_draw_ = absl::InfinitePast();
};

// "12.3 MiB"
std::string FormatBytes(double bytes);

}  // namespace hpc::cli

#endif  // HPC_IMPORTER_CLI_PROGRESS_H_
