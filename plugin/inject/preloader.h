// Airgap preload, as k3s's images folder: every image archive in a folder
// (.tar, .tar.gz, .tgz, .tar.zst, .tzst, .tar.lz4, .tar.bz2) is imported
// into containerd, unpacked, with the same code as `hpcimg import
// --plugin-address` (the blobs go into this plugin's store, containerd only
// registers them) -- at start, and then whenever one is added or changed
// while the plugin runs (a file is taken once it has kept its size and time
// for a second, so a half-copied one waits). The journal (preload_journal.h)
// makes restarts skip what is done and what failed unchanged; at start the
// records of archives still there are pinned again, and those of archives
// that left are unpinned. Each outcome is logged once.
//
// A *.txt file lists images to pull (preload_list.h). Each is pulled
// through the registry client straight into this store, then registered,
// unpacked, pinned and journaled as an archive's image is. A registry that
// does not answer, or answers 5xx, is tried again after a backoff that
// doubles up to a minute, with jitter, while the other lines go on; an
// answer that the image is not there, or that access is refused, is
// journaled as failed and tried again only once the list changes. A list
// is read again when it changes; the images of lines it lost (or of a list
// that left) are unpinned.
#ifndef HPC_PLUGIN_INJECT_PRELOADER_H_
#define HPC_PLUGIN_INJECT_PRELOADER_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "importer/copy/import_archive.h"
#include "importer/registry/registry_options.h"
#include "plugin/inject/preload_journal.h"
#include "plugin/inject/preload_list.h"
#include "plugin/metrics/metrics.h"

namespace hpc::containerd {
class Connection;
}

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
  // How the images of *.txt lists are pulled.
  registry::RegistryOptions registry;
};

class Preloader {
 public:
  // Starts importing in the background; InvalidArgument when `dir` is not a
  // directory.
  static absl::StatusOr<std::unique_ptr<Preloader>> Start(
      PreloadOptions options);
  ~Preloader();

 private:
  // An image of a list waiting to be pulled.
  struct Pull {
    std::string list;
    ListedImage image;
    FileVersion list_version;
    absl::Time next;
    absl::Duration backoff;
    bool told = false;  // its first transient failure was logged
  };

  explicit Preloader(PreloadOptions options) : options_(std::move(options)) {}
  void Run();
  // Pins again what is still in the folder, unpins what left.
  void ReconcileAtStart();
  // True once `path` has kept `version` long enough to be read whole.
  bool Settled(const std::string& path, const FileVersion& version,
               absl::Time now);
  // Imports an archive not imported yet; false when it must wait.
  bool TakeArchive(const std::string& path, FileVersion version);
  // Reads a list again (or for the first time), or forgets a list that
  // left when `version` is null.
  void TakeList(const std::string& path, const FileVersion* version);
  // Pulls what is due; returns when the next pull is due (InfiniteFuture
  // when none waits).
  absl::Time PullDue();
  // Unpins the records of `entry` that no other done entry holds.
  void Unpin(const JournalEntry& entry);
  // How archives and listed images are imported: into this plugin, then
  // registered, unpacked and pinned as the flags say.
  copy::ImportOptions ImportOptions() const;
  void SaveJournal();
  void Count(absl::string_view outcome);

  PreloadOptions options_;
  std::unique_ptr<containerd::Connection> connection_;
  std::unique_ptr<PreloadJournal> journal_;
  // Files seen changing, and since when they have kept their state.
  std::map<std::string, std::pair<FileVersion, absl::Time>> settling_;
  // Archives whose transient failure was logged.
  std::set<std::string> told_transient_;
  // Lists read, as they were when read.
  std::map<std::string, FileVersion> lists_;
  std::map<std::string, Pull> pulls_;  // by journal key
  // What the first pass found, each file counted once.
  std::set<std::string> counted_;
  int imported_ = 0, skipped_ = 0, failed_ = 0, failed_before_ = 0;
  bool first_pass_ = true;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hpc::inject

#endif  // HPC_PLUGIN_INJECT_PRELOADER_H_
