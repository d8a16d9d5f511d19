// Paths in a Linux build stage, as its Dockerfile lines name them: '/'
// separated, relative ones from WORKDIR, "." and ".." folded (".." stops
// at the root). Unlike Windows image paths, any character but '/' and NUL
// may be in a name.
#ifndef HPC_IMPORTER_DOCKERFILE_LINUX_PATH_H_
#define HPC_IMPORTER_DOCKERFILE_LINUX_PATH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace hpc::dockerfile {

// "bin/x" in "/src" -> "/src/bin/x"; "/a/../b/" -> "/b".
std::string LinuxPath(absl::string_view path, absl::string_view workdir);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_LINUX_PATH_H_
