// Reading a tar archive (plain, gzip or zstd, detected from its content)
// entry by entry, without extracting it. Entry paths are checked before
// anyone uses them: absolute paths and ".." components are refused.
#ifndef HPC_IMPORTER_ARCHIVE_ARCHIVE_READER_H_
#define HPC_IMPORTER_ARCHIVE_ARCHIVE_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

struct archive;

namespace hpc::archive {

struct ArchiveEntry {
  // kOther: a device node, a FIFO or a socket.
  enum class Type { kFile, kDirectory, kSymlink, kHardlink, kOther };
  std::string path;  // relative, without "./" and trailing "/"
  Type type = Type::kOther;
  int64_t size = 0;
  std::string link_target;  // for links
  // As the header says: permission bits (with setuid, setgid and sticky),
  // owner and modification time in seconds since the epoch.
  int mode = 0;
  int64_t uid = 0;
  int64_t gid = 0;
  int64_t mtime = 0;
};

// Bounds on what an archive may hold once decompressed, against
// decompression bombs: a few kilobytes of gzip can declare terabytes.
struct ArchiveLimits {
  int64_t max_entry_bytes = int64_t{64} << 30;   // any one entry
  int64_t max_total_bytes = int64_t{256} << 30;  // all entries together
  int64_t max_entries = 1000000;
};

class ArchiveReader {
 public:
  // `name` is how errors refer to the archive ("oci-archive:app.tar").
  static absl::StatusOr<std::unique_ptr<ArchiveReader>> Open(
      const std::string& file, std::string name);
  // Reads the archive from `read` (up to n bytes into dst; 0 at the end),
  // as it streams: a layer straight from its image source.
  using ReadFunction = std::function<absl::StatusOr<size_t>(char*, size_t)>;
  static absl::StatusOr<std::unique_ptr<ArchiveReader>> OpenStream(
      ReadFunction read, std::string name);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // The next entry, or nullopt at the end. The data of the previous entry
  // that was not read is skipped.
  absl::StatusOr<std::optional<ArchiveEntry>> Next();
  // Reads the current entry's data; 0 at its end.
  absl::StatusOr<size_t> Read(char* dst, size_t n);
  // Reads the whole current entry, which must be at most `limit` bytes.
  absl::StatusOr<std::string> ReadAll(size_t limit);

 private:
  ArchiveReader(std::string name) : name_(std::move(name)) {}
  absl::Status Error(const std::string& what) const;

  friend struct StreamCallbacks;
  static struct archive* NewArchive();

  std::string name_;
  struct archive* archive_ = nullptr;
  std::string current_;
  // For OpenStream: the source, its buffer, and its first error (libarchive
  // only hears that reading failed).
  ReadFunction read_;
  std::string buffer_;
  absl::Status read_error_;
};

// `path` made relative and clean; InvalidArgument for absolute paths and
// ".." components.
absl::StatusOr<std::string> CleanEntryPath(const std::string& path);

}  // namespace hpc::archive

#endif  // HPC_IMPORTER_ARCHIVE_ARCHIVE_READER_H_
