// Glob patterns over '/'-separated relative paths, as .dockerignore and
// COPY sources use them: '*' (any run of characters but '/'), '?', '[a-z]'
// and '[^a-z]' classes, '\' to take the next character literally, and a
// "**" component for any number of components.
#ifndef HPC_IMPORTER_DOCKERFILE_PATH_PATTERN_H_
#define HPC_IMPORTER_DOCKERFILE_PATH_PATTERN_H_

#include "absl/strings/string_view.h"

namespace hpc::dockerfile {

bool PathMatch(absl::string_view pattern, absl::string_view path);

// True when `text` contains a glob character.
bool HasGlob(absl::string_view text);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_PATH_PATTERN_H_
