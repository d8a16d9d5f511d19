// The on-disk form of an ingest, as containerd's local store lays it out:
//
//   ingest/<sha256 hex of the ref>/
//     ref        the ref, verbatim
//     data       the bytes received so far
//     startedat  RFC 3339 timestamp
//     updatedat  RFC 3339 timestamp (data's mtime may be newer)
//     total      expected size in decimal, absent when unknown
//
// Hashing the ref keeps directory names fixed-length and free of anything a
// client could use to walk out of the root.
#ifndef HPC_PLUGIN_STORE_INGEST_H_
#define HPC_PLUGIN_STORE_INGEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "plugin/store/file_system.h"
#include "plugin/store/info.h"

namespace hpc::store {

struct IngestPaths {
  // The paths of the ingest for `ref` under `ingest_root`.
  static IngestPaths ForRef(const std::string& ingest_root,
                            absl::string_view ref);
  // The paths of an existing ingest directory.
  static IngestPaths ForDir(std::string dir);

  std::string dir;
  std::string ref;
  std::string data;
  std::string started_at;
  std::string updated_at;
  std::string total;
};

// Timestamps as Go's time.MarshalText writes them, so containerd's own store
// can read ours and the reverse.
std::string FormatTimestamp(absl::Time t);
absl::StatusOr<absl::Time> ParseTimestamp(absl::string_view text);

// Reads an ingest's status; NotFound when its data or ref file is missing.
// The offset is the size of the data file.
absl::StatusOr<IngestStatus> ReadIngestStatus(FileSystem& fs,
                                              const IngestPaths& paths);

// Writes the metadata files of a new ingest (ref, times, total when > 0).
absl::Status WriteIngestMetadata(FileSystem& fs, const IngestPaths& paths,
                                 absl::string_view ref, int64_t total,
                                 absl::Time started_at);

}  // namespace hpc::store

#endif  // HPC_PLUGIN_STORE_INGEST_H_
