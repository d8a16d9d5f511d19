// Unpacks a tar archive (plain, gzip or zstd) into a file tree: each file's
// bytes go to a new file under a scratch directory. Used for ADD of a local
// archive and to read the files of an image's layers (COPY --from).
// Entry paths are checked (no absolute paths, no ".."); symbolic links and
// device files are refused; hard links must point to an earlier file of the
// same archive; sizes and the number of entries are bounded.
#ifndef HPC_IMPORTER_DOCKERFILE_ARCHIVE_EXTRACT_H_
#define HPC_IMPORTER_DOCKERFILE_ARCHIVE_EXTRACT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "importer/archive/archive_reader.h"
#include "importer/dockerfile/file_tree.h"

namespace hpc::dockerfile {

struct ExtractOptions {
  std::string scratch_dir;  // where the bytes go; must exist
  // Maps an entry's clean relative path to its image path, or nullopt to
  // skip the entry.
  std::function<std::optional<std::string>(const std::string&)> map_path;
  // Apply whiteouts (".wh.NAME", ".wh..wh..opq") to `tree` as image layers
  // do, instead of adding them as files.
  bool whiteouts = false;
  archive::ArchiveLimits limits;
};

// Adds what `archive_file` holds to `tree`. `name` names the archive in
// errors.
absl::Status ExtractArchive(const std::string& archive_file,
                            const std::string& name,
                            const ExtractOptions& options, FileTree& tree);

// True when `file` reads as a tar archive, plain or compressed.
bool IsTarArchive(const std::string& file);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_ARCHIVE_EXTRACT_H_
