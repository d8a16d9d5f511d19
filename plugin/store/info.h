// What the content store says about a blob (Info) and an ingest (Status), in
// containerd's vocabulary, and the rules for what clients may send.
#ifndef HPC_PLUGIN_STORE_INFO_H_
#define HPC_PLUGIN_STORE_INFO_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "importer/oci/digest.h"

namespace hpc::store {

using Labels = std::map<std::string, std::string>;

// A committed blob.
struct BlobInfo {
  oci::Digest digest;
  int64_t size = 0;
  absl::Time created_at;  // when it was committed
  absl::Time updated_at;  // when its labels last changed
  Labels labels;
};

// An ingest in progress, keyed by the client's ref.
struct IngestStatus {
  std::string ref;
  int64_t offset = 0;  // bytes received so far
  int64_t total = 0;   // expected size, 0 when unknown
  absl::Time started_at;
  absl::Time updated_at;
  std::string expected;  // expected digest, when the client gave one
};

// The longest ref accepted; refs only name ingests, but a ref is stored and
// echoed, so it is bounded.
inline constexpr size_t kMaxRefLength = 4096;
// containerd's limit on a label's key and value together.
inline constexpr size_t kMaxLabelSize = 4096;

// A ref must be non-empty, at most kMaxRefLength bytes and free of NUL.
absl::Status ValidateRef(absl::string_view ref);
// Keys must be non-empty; key and value together at most kMaxLabelSize.
absl::Status ValidateLabels(const Labels& labels);

}  // namespace hpc::store

#endif  // HPC_PLUGIN_STORE_INFO_H_
