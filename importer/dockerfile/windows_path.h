// Paths inside a Windows image. Dockerfiles name them the Windows way
// (C:\app\x.ps1, c:/app, \app, or relative to WORKDIR); a layer stores them
// under Files/ with forward slashes (Files/app/x.ps1). Here a path inside the
// image is kept as "/app/x.ps1": absolute, forward slashes, no drive, no
// "." or ".." components.
#ifndef HPC_IMPORTER_DOCKERFILE_WINDOWS_PATH_H_
#define HPC_IMPORTER_DOCKERFILE_WINDOWS_PATH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::dockerfile {

// `path` as written in the Dockerfile, resolved against `workdir` (itself
// already resolved). Only drive C: exists in an image; ".." stops at the
// root, as Windows does.
absl::StatusOr<std::string> ResolveImagePath(absl::string_view path,
                                             absl::string_view workdir);

// "/app/x.ps1" -> "C:\app\x.ps1"; "/" -> "C:\".
std::string WindowsPath(absl::string_view image_path);

// "/app/x.ps1" -> "Files/app/x.ps1"; "/" -> "Files".
std::string LayerPath(absl::string_view image_path);

// True when the Dockerfile path names a directory: it ends with / or \.
bool EndsWithSeparator(absl::string_view path);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_WINDOWS_PATH_H_
