// Quoting of untrusted text for messages: double quotes around it, control
// and non-ASCII bytes escaped, long text cut, so a message stays one line
// and shows exactly what was received.
#ifndef HPC_IMPORTER_LOG_QUOTE_H_
#define HPC_IMPORTER_LOG_QUOTE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace hpc::log {

// `text` in double quotes, escaped; cut after `limit` bytes with "...".
std::string Quote(absl::string_view text, size_t limit = 256);

}  // namespace hpc::log

#endif  // HPC_IMPORTER_LOG_QUOTE_H_
