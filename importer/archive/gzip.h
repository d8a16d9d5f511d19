// Deterministic gzip: no file name, no timestamp in the header, so the same
// input always gives the same bytes.
#ifndef HPC_IMPORTER_ARCHIVE_GZIP_H_
#define HPC_IMPORTER_ARCHIVE_GZIP_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hpc::archive {

absl::Status GzipBytes(absl::string_view input, std::string* output);

}  // namespace hpc::archive

#endif  // HPC_IMPORTER_ARCHIVE_GZIP_H_
