// The Windows version of a node as containerd sees it: major.minor.build
// (RtlGetNtVersionNumbers); a revision given by the user is ignored, as
// containerd never reads it.
#ifndef HPC_IMPORTER_EXPLAIN_NODE_VERSION_H_
#define HPC_IMPORTER_EXPLAIN_NODE_VERSION_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::explain {

struct NodeVersion {
  uint32_t major = 0;
  uint32_t minor = 0;
  uint32_t build = 0;

  // "10.0.20348" or "10.0.20348.2582".
  static absl::StatusOr<NodeVersion> Parse(absl::string_view text);
  // "10.0.20348": the os.version prefix containerd matches against.
  std::string ToString() const;
};

// An image's os.version read the way containerd/platforms reads it: at least
// major.minor.build, each a number in range (major and minor < 256, build
// < 65536); anything else reads as 0.0.0.
struct ImageBuild {
  uint32_t major = 0;
  uint32_t minor = 0;
  uint32_t build = 0;
  bool valid = false;
};
ImageBuild ParseImageBuild(absl::string_view os_version);

// An image's os.version read the way containerd 1.6.23+ and 1.7.6 to 1.7.x
// read it: split at dots, at least three fields, each through strconv.Atoi
// with its error ignored (a field that is not a number reads as 0, one out
// of int64's range as its limit), then cut to uint8, uint8 and uint16.
// Valid whenever there are three fields.
ImageBuild ParseImageBuildAtoi(absl::string_view os_version);

// The revision (4th number) of an os.version, 0 when there is none.
int Revision(absl::string_view os_version);

}  // namespace hpc::explain

#endif  // HPC_IMPORTER_EXPLAIN_NODE_VERSION_H_
