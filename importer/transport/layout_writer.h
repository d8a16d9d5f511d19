// Where an OCI image layout is written: a directory (oci:) or a tar file
// (oci-archive:, docker-archive:). Either way nothing is left behind on
// failure: an archive is written to a temporary file and renamed into place
// by Commit; a new directory is removed again.
#ifndef HPC_IMPORTER_TRANSPORT_LAYOUT_WRITER_H_
#define HPC_IMPORTER_TRANSPORT_LAYOUT_WRITER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hpc::transport {

class LayoutWriter {
 public:
  // Called with a function that writes one chunk; returns the first error.
  using Producer = std::function<absl::Status(
      const std::function<absl::Status(absl::string_view chunk)>& write)>;

  virtual ~LayoutWriter() = default;
  // True when `path` (relative to the layout) was written before or exists.
  virtual bool Has(const std::string& path) const = 0;
  // Writes a file of `size` bytes at `path`, from `produce`.
  virtual absl::Status AddFile(const std::string& path, int64_t size,
                               const Producer& produce) = 0;
  absl::Status AddBytes(const std::string& path, absl::string_view bytes);
  // Reads an existing small file of the layout (index.json on --force);
  // NotFound when there is none.
  virtual absl::StatusOr<std::string> ReadExisting(
      const std::string& path) const = 0;
  // Makes the result visible. Without it, the destructor removes it.
  virtual absl::Status Commit() = 0;
};

// A directory. Refused when `dir` exists, unless `force` and it is empty or
// already an OCI layout (which is then added to).
absl::StatusOr<std::unique_ptr<LayoutWriter>> OpenLayoutDirectory(
    const std::string& dir, bool force);
// A tar file. Refused when `file` exists, unless `force` (it is replaced).
absl::StatusOr<std::unique_ptr<LayoutWriter>> OpenLayoutArchive(
    const std::string& file, bool force, absl::Time mtime);

}  // namespace hpc::transport

#endif  // HPC_IMPORTER_TRANSPORT_LAYOUT_WRITER_H_
