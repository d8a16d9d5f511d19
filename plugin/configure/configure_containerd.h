// hpc-content-plugin configure-containerd: containerd_config.h's edit
// applied to containerd's config file. The old file is kept as a backup
// next to it; the new one replaces it in one rename, with the old one's
// permissions. Nothing is written when nothing changes.
#ifndef HPC_PLUGIN_CONFIGURE_CONFIGURE_CONTAINERD_H_
#define HPC_PLUGIN_CONFIGURE_CONFIGURE_CONTAINERD_H_

#include <string>

#include "absl/status/statusor.h"
#include "plugin/configure/containerd_config.h"

namespace hpc::configure {

// Where containerd reads its config unless told otherwise.
std::string DefaultContainerdConfigPath();

struct ConfigureResult {
  ConfigEdit edit;
  bool created = false;  // there was no file
  bool written = false;  // false for a dry run, or when nothing changed
  std::string backup;    // the old file's copy, when one was made
};

absl::StatusOr<ConfigureResult> ConfigureContainerd(const std::string& path,
                                                    const ContentProxy& proxy,
                                                    bool dry_run);

}  // namespace hpc::configure

#endif  // HPC_PLUGIN_CONFIGURE_CONFIGURE_CONTAINERD_H_
