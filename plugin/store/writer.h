// One ingest being written: containerd's content.Writer.
//
// A Writer owns its ref's lock from the moment the store hands it out until
// Commit or Close. Bytes are appended to ingest/<key>/data and hashed as they
// arrive; Commit checks size and digest, makes the data durable and renames
// it into blobs/ in one step, so a blob under blobs/ is always complete.
// Close without Commit keeps the ingest so a later writer can resume it.
// Not thread-safe: one stream drives one Writer.
#ifndef HPC_PLUGIN_STORE_WRITER_H_
#define HPC_PLUGIN_STORE_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "importer/oci/digester.h"
#include "plugin/store/file_system.h"
#include "plugin/store/info.h"
#include "plugin/store/ingest.h"

namespace hpc::store {

class Store;

class Writer {
 public:
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  IngestStatus Status() const;
  // The digest of the bytes written so far.
  oci::Digest Digest() const;

  // Appends `data` at the current offset. On failure the offset counts the
  // bytes that did reach the file, and the ingest stays resumable.
  absl::Status Write(absl::string_view data);
  // Discards everything written; only a size of 0 is supported.
  absl::Status Truncate(int64_t size);
  // Turns the ingest into a blob. `size` (when > 0) and `expected` (when not
  // empty) must match what was written: FailedPrecondition otherwise, and
  // the ingest is kept. AlreadyExists when the blob is already stored; the
  // ingest is then removed. `labels`, when given, become the blob's labels.
  // The writer is closed afterwards, whatever the outcome.
  absl::Status Commit(int64_t size, absl::string_view expected,
                      const Labels* labels);
  // Releases the ref, keeping the ingest for a later resume.
  absl::Status Close();

 private:
  friend class Store;
  Writer(Store& store, IngestPaths paths, std::string ref,
         std::unique_ptr<WritableFile> file, oci::Digester digester,
         int64_t offset, int64_t total, absl::Time started_at,
         absl::Time updated_at);

  // Closes the data file and releases the ref; first error wins.
  absl::Status Release(bool record_update);

  Store& store_;
  const IngestPaths paths_;
  const std::string ref_;
  std::unique_ptr<WritableFile> file_;  // null once closed
  oci::Digester digester_;
  int64_t offset_;
  int64_t total_;
  absl::Time started_at_;
  absl::Time updated_at_;
};

}  // namespace hpc::store

#endif  // HPC_PLUGIN_STORE_WRITER_H_
