// Labels of committed blobs, kept by the plugin itself.
//
// containerd's local store keeps no labels (its metadata database does), but
// clients that talk to the plugin directly, and the plugin's own injection,
// need them. Each blob's labels live in labels/sha256/<hex> as a JSON object,
// replaced atomically and durably, so a crash leaves the old or the new set.
#ifndef HPC_PLUGIN_STORE_LABEL_STORE_H_
#define HPC_PLUGIN_STORE_LABEL_STORE_H_

#include <string>

#include "absl/status/statusor.h"
#include "importer/oci/digest.h"
#include "plugin/store/file_system.h"
#include "plugin/store/info.h"

namespace hpc::store {

class LabelStore {
 public:
  // `dir` is the labels directory of the store root; `fs` must outlive this.
  LabelStore(FileSystem& fs, std::string dir);

  // Creates the directories. Removes temporaries a crash left behind.
  absl::Status Init();

  // The labels of `digest`; empty when it has none.
  absl::StatusOr<Labels> Get(const oci::Digest& digest) const;
  // Replaces all labels; an empty set removes the file.
  absl::Status Set(const oci::Digest& digest, const Labels& labels);
  absl::Status Remove(const oci::Digest& digest);

 private:
  std::string PathOf(const oci::Digest& digest) const;

  FileSystem& fs_;
  std::string dir_;
};

}  // namespace hpc::store

#endif  // HPC_PLUGIN_STORE_LABEL_STORE_H_
