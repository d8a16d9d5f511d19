// containerd's image records: a name pointing at a target descriptor.
#ifndef HPC_IMPORTER_CONTAINERD_IMAGE_RECORDS_H_
#define HPC_IMPORTER_CONTAINERD_IMAGE_RECORDS_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "importer/containerd/connection.h"
#include "importer/oci/descriptor.h"

namespace hpc::containerd {

struct ImageRecord {
  std::string name;
  oci::Descriptor target;
  std::map<std::string, std::string> labels;
};

enum class RecordChange { kCreated, kUpdated, kUnchanged };

// Creates the record, or updates target and labels of an existing one, and
// says which it did.
absl::StatusOr<RecordChange> PutImageRecord(Connection& connection,
                                            const ImageRecord& record);
// The record of `name`; nullopt when there is none.
absl::StatusOr<std::optional<ImageRecord>> GetImageRecord(
    Connection& connection, const std::string& name);
absl::Status DeleteImageRecord(Connection& connection, const std::string& name);
// Removes the label `key` from the record of `name`; false when there was
// no such record or label.
absl::StatusOr<bool> RemoveImageLabel(Connection& connection,
                                      const std::string& name,
                                      const std::string& key);

}  // namespace hpc::containerd

#endif  // HPC_IMPORTER_CONTAINERD_IMAGE_RECORDS_H_
