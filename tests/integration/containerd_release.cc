#include "tests/integration/containerd_release.h"

#include <cstdlib>
#include <regex>

#include "tests/testing/subprocess.h"

namespace hpc::testing {

ContainerdRelease ParseContainerdVersion(const std::string& output) {
  ContainerdRelease release;
  // The first "MAJOR.MINOR.PATCH" after the module path.
  static const std::regex kVersion(R"(\s+v?(\d+)\.(\d+)\.(\d+))");
  std::smatch m;
  if (std::regex_search(output, m, kVersion)) {
    release.major = std::stoi(m[1]);
    release.minor = std::stoi(m[2]);
    release.patch = std::stoi(m[3]);
    release.version = m[1].str() + "." + m[2].str() + "." + m[3].str();
  }
  return release;
}

const ContainerdRelease& TestedRelease() {
  static const ContainerdRelease release = [] {
    std::string containerd = "containerd";
    std::string ctr = "ctr";
    if (const char* dir = std::getenv("HPC_CONTAINERD_DIR");
        dir != nullptr && *dir != '\0') {
      containerd = std::string(dir) + "/containerd";
      ctr = std::string(dir) + "/ctr";
    }
    ContainerdRelease r =
        ParseContainerdVersion(RunCommand({containerd, "--version"}).output);
    r.containerd = containerd;
    r.ctr = ctr;
    return r;
  }();
  return release;
}

}  // namespace hpc::testing
