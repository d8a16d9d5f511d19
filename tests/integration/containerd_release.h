// The containerd release the integration tests run against: Debian's
// `containerd` and `ctr` on PATH, or the pair in $HPC_CONTAINERD_DIR (an
// upstream release, for example one unpacked from ../shared/peers).
#ifndef HPC_TESTS_INTEGRATION_CONTAINERD_RELEASE_H_
#define HPC_TESTS_INTEGRATION_CONTAINERD_RELEASE_H_

#include <string>

namespace hpc::testing {

struct ContainerdRelease {
  std::string containerd;  // the daemon's executable
  std::string ctr;         // its client
  std::string version;     // "1.6.20", "2.1.5"; "" when unreadable
  int major = 0;
  int minor = 0;
  int patch = 0;

  // containerd's config.toml version for this release: 2 before 2.0, 3 after.
  int config_version() const { return major >= 2 ? 3 : 2; }
  bool AtLeast(int want_major, int want_minor, int want_patch = 0) const {
    if (major != want_major) return major > want_major;
    if (minor != want_minor) return minor > want_minor;
    return patch >= want_patch;
  }
};

// Read once per process from the environment and `containerd --version`.
const ContainerdRelease& TestedRelease();

// The release from `containerd --version` output, for example
// "containerd github.com/containerd/containerd/v2 2.1.5+unknown" or
// "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1".
ContainerdRelease ParseContainerdVersion(const std::string& output);

}  // namespace hpc::testing

#endif  // HPC_TESTS_INTEGRATION_CONTAINERD_RELEASE_H_
