// The preload folder's journal, in the store root: for each archive (and
// list of references) the outcome of its last import, keyed by the file's
// size, modification time and digest, with the image records it made. A
// restart skips what is done and what failed unchanged, re-pins what is
// still there, and unpins what left the folder.
//
// One line per archive, and one per image of a list, tab-separated:
//   ok      SIZE MTIME_NS DIGEST PATH RECORD,RECORD... [REFERENCE]
//   failed  SIZE MTIME_NS DIGEST PATH ERROR [REFERENCE]
// where SIZE, MTIME_NS and DIGEST are the file's (the list's, for an image
// it names). Lines of the first journal format ("SIZE MTIME_NS DIGEST
// PATH") read as ok without records.
#ifndef HPC_PLUGIN_INJECT_PRELOAD_JOURNAL_H_
#define HPC_PLUGIN_INJECT_PRELOAD_JOURNAL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hpc::inject {

struct FileVersion {
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string digest;  // "sha256:...", empty until read
  bool SameStat(const FileVersion& other) const {
    return size == other.size && mtime_ns == other.mtime_ns;
  }
};

struct JournalEntry {
  std::string path;       // the archive or the list
  std::string reference;  // the image a list names; empty for an archive
  bool ok = false;
  FileVersion version;
  std::vector<std::string> records;  // ok: the image records made
  std::string error;                 // failed: why
};

class PreloadJournal {
 public:
  explicit PreloadJournal(std::string path) : path_(std::move(path)) {}
  // Reads the journal; a missing one is empty. Lines it cannot read are
  // dropped (their files are imported again).
  void Load();
  // Writes it whole, replacing the old file in one rename.
  absl::Status Save() const;

  // By Key(path, reference).
  std::map<std::string, JournalEntry>& entries() { return entries_; }
  static std::string Key(absl::string_view path, absl::string_view reference);
  // Adds or replaces `entry`, under its path and reference.
  void Put(JournalEntry entry);

 private:
  std::string path_;
  std::map<std::string, JournalEntry> entries_;
};

}  // namespace hpc::inject

#endif  // HPC_PLUGIN_INJECT_PRELOAD_JOURNAL_H_
