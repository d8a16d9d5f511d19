// USER of a Linux build stage, resolved as Docker resolves it in the
// stage's root file system: "name", "uid", "name:group", "uid:gid"; names
// are read from /etc/passwd and /etc/group inside the root. The primary
// group is the user's from /etc/passwd unless a group is given; the groups
// /etc/group lists the user in are added.
#ifndef HPC_IMPORTER_RUNTIME_STAGE_USER_H_
#define HPC_IMPORTER_RUNTIME_STAGE_USER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "importer/rootfs/root_dir.h"
#include "importer/runtime/runtime_spec.h"

namespace hpc::runtime {

// The empty USER is root.
absl::StatusOr<ProcessUser> ResolveUser(const rootfs::RootDir& root,
                                        absl::string_view user);

// The same, from the text of passwd and group files (for tests).
absl::StatusOr<ProcessUser> ResolveUserIn(absl::string_view passwd,
                                          absl::string_view group,
                                          absl::string_view user);

}  // namespace hpc::runtime

#endif  // HPC_IMPORTER_RUNTIME_STAGE_USER_H_
