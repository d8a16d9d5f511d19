// A *.txt file of the preload folder, as k3s reads its airgap folder: each
// line that is neither empty nor a comment (#) names an image to pull, as
// docker:// names it (HOST[:PORT]/REPO[:TAG|@sha256:HEX]; "busybox" is
// docker.io/library/busybox:latest). After the reference, "--keep-index"
// keeps an index as it is instead of taking the single manifest hpcimg
// import would take.
#ifndef HPC_PLUGIN_INJECT_PRELOAD_LIST_H_
#define HPC_PLUGIN_INJECT_PRELOAD_LIST_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace hpc::inject {

struct ListedImage {
  int line = 0;
  std::string reference;  // normalised, as containerd names the image
  bool keep_index = false;
};

struct PreloadList {
  std::vector<ListedImage> images;  // in file order, each reference once
  // "PATH:LINE: what is wrong", for lines that name no image.
  std::vector<std::string> problems;
};

PreloadList ParsePreloadList(absl::string_view path, absl::string_view text);

}  // namespace hpc::inject

#endif  // HPC_PLUGIN_INJECT_PRELOAD_LIST_H_
