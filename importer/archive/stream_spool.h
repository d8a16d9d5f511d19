// An archive that arrives on a stream (`hpcimg import -`, as `ctr images
// import -`): copied to a file first, because an archive is read more than
// once (its catalogue, then each large blob where it lies).
#ifndef HPC_IMPORTER_ARCHIVE_STREAM_SPOOL_H_
#define HPC_IMPORTER_ARCHIVE_STREAM_SPOOL_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/status.h"

namespace hpc::archive {

// Copies `in` to a new file at `path` (created 0600; it must not exist),
// refusing more than `limit` bytes. On any error the file is removed and
// the error names `what` ("standard input"). `in` is read in binary.
absl::Status SpoolStream(std::FILE* in, const std::string& what,
                         const std::string& path, int64_t limit);

}  // namespace hpc::archive

#endif  // HPC_IMPORTER_ARCHIVE_STREAM_SPOOL_H_
