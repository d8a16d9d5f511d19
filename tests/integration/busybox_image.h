// Linux images for tests, made offline from Debian's busybox-static with
// umoci: /bin/busybox and a link for each of its applets, plus the files a
// test asks for, in one layer of an OCI image layout.
#ifndef HPC_TESTS_INTEGRATION_BUSYBOX_IMAGE_H_
#define HPC_TESTS_INTEGRATION_BUSYBOX_IMAGE_H_

#include <map>
#include <string>
#include <vector>

namespace hpc::testing {

struct BusyboxImage {
  // Extra files: path in the image -> content; made mode 0755 when the
  // content starts with "#!".
  std::map<std::string, std::string> files;
  std::vector<std::string> directories;  // empty ones, e.g. a home
  std::vector<std::string> env;         // NAME=VALUE
  std::vector<std::string> entrypoint;  // empty: none
  std::vector<std::string> cmd;         // empty: none
  std::string working_dir;
};

// Writes the image into the OCI layout `layout` (created when absent) under
// `tag`. Returns "" on success, else the failing command and its output.
std::string MakeBusyboxImage(const std::string& layout, const std::string& tag,
                             const BusyboxImage& image);

}  // namespace hpc::testing

#endif  // HPC_TESTS_INTEGRATION_BUSYBOX_IMAGE_H_
