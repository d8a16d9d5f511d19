// A content store on local disk, laid out like containerd's own:
//
//   <root>/blobs/sha256/<hex>   committed blobs, read-only
//   <root>/ingest/<key>/...     ingests in progress (see ingest.h)
//   <root>/labels/sha256/<hex>  blob labels (see label_store.h)
//
// Pointing a Store at an existing containerd content root serves it as is.
// All methods are thread-safe. Errors are absl::Status values with
// containerd's meanings: NotFound, AlreadyExists, InvalidArgument for a bad
// digest, ref or filter, FailedPrecondition for a commit that does not match,
// Unavailable for a ref another writer holds.
#ifndef HPC_PLUGIN_STORE_STORE_H_
#define HPC_PLUGIN_STORE_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "importer/oci/digest.h"
#include "plugin/store/blob_reader.h"
#include "plugin/store/file_system.h"
#include "plugin/store/info.h"
#include "plugin/store/label_store.h"
#include "plugin/store/ref_locks.h"
#include "plugin/store/writer.h"

namespace hpc::store {

// Where the plugin keeps its store unless told otherwise:
// /var/lib/hpc-content on Linux, C:\ProgramData\hpc-content on Windows.
std::string DefaultStoreRoot();

// How long OpenWriter waits for another writer to let go of a ref, as
// containerd 1.6 and 1.7's local store retry for about a second.
inline constexpr absl::Duration kRefLockWait = absl::Seconds(1);

struct StoreOptions {
  // The file system to use; DefaultFileSystem() when null. Must outlive the
  // store.
  FileSystem* fs = nullptr;
  // How many blobs stay open for reading between Read calls.
  size_t open_blobs = 256;
};

class Store {
 public:
  // Opens the store at `root`, creating its directories (root mode 0700) and
  // cleaning what a crash left half made.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& root,
                                                     StoreOptions options = {});

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  absl::StatusOr<BlobInfo> Info(absl::string_view digest);
  // Changes labels: with no field paths or "labels", the blob's labels
  // become `labels`; "labels.<key>" sets that one key from `labels`, or
  // removes it when `labels` has no value for it (or an empty one).
  absl::StatusOr<BlobInfo> Update(absl::string_view digest,
                                  const Labels& labels,
                                  const std::vector<std::string>& fieldpaths);
  // Calls `fn` for each blob that matches any of `filters` (see filter.h;
  // fields: digest, size, labels.<key>), stopping at its first error.
  absl::Status Walk(const std::vector<std::string>& filters,
                    absl::FunctionRef<absl::Status(const BlobInfo&)> fn);
  absl::Status Delete(absl::string_view digest);
  absl::StatusOr<std::shared_ptr<const BlobReader>> ReaderAt(
      absl::string_view digest);

  absl::StatusOr<IngestStatus> Status(absl::string_view ref);
  // Ingests whose ref matches any of `filters` (field: ref).
  absl::StatusOr<std::vector<IngestStatus>> ListStatuses(
      const std::vector<std::string>& filters);
  // Starts or resumes the ingest for `ref`. `total` and `expected` are what
  // the client expects to write (0 and empty when it does not know);
  // AlreadyExists when `expected` is stored already. When another writer
  // holds `ref`, waits up to `lock_wait` for it (see RefLocks::Lock), then
  // Unavailable.
  absl::StatusOr<std::unique_ptr<Writer>> OpenWriter(
      absl::string_view ref, int64_t total, absl::string_view expected,
      absl::Duration lock_wait = kRefLockWait);
  absl::Status Abort(absl::string_view ref);

  const std::string& root() const { return root_; }
  std::string BlobPath(const oci::Digest& digest) const;

 private:
  friend class Writer;
  Store(std::string root, FileSystem& fs, size_t open_blobs);

  absl::Status Init();
  absl::StatusOr<FileInfo> StatBlob(const oci::Digest& digest);
  absl::StatusOr<std::unique_ptr<Writer>> ResumeOrCreate(absl::string_view ref,
                                                         int64_t total);
  absl::StatusOr<IngestStatus> Resume(const IngestPaths& paths,
                                      absl::string_view ref, int64_t total,
                                      oci::Digester& digester);

  const std::string root_;
  const std::string blobs_dir_;   // <root>/blobs/sha256
  const std::string ingest_dir_;  // <root>/ingest
  FileSystem& fs_;
  RefLocks locks_;
  LabelStore labels_;
  BlobReaderCache readers_;
};

}  // namespace hpc::store

#endif  // HPC_PLUGIN_STORE_STORE_H_
