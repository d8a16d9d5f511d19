#include "importer/transport/layout_index.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"

namespace hpc::transport {

namespace {

std::string FullName(const oci::Descriptor& d) {
  if (auto it = d.annotations.find(kContainerdNameAnnotation);
      it != d.annotations.end()) {
    return it->second;
  }
  if (auto it = d.annotations.find(kRefNameAnnotation);
      it != d.annotations.end()) {
    return it->second;
  }
  return "";
}

}  // namespace

absl::StatusOr<LayoutSelection> SelectFromLayoutIndex(
    absl::string_view index_json, const std::string& tag,
    absl::string_view what) {
  auto index =
      oci::Index::Parse(index_json, absl::StrCat("index.json of ", what));
  if (!index.ok()) return index.status();
  const auto& entries = index->manifests();
  if (entries.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": index.json lists no image"));
  }
  std::vector<std::string> names;
  for (const oci::Descriptor& d : entries) {
    std::string name = FullName(d);
    if (!name.empty()) names.push_back(name);
  }
  LayoutSelection selection;
  if (!tag.empty()) {
    for (const oci::Descriptor& d : entries) {
      auto ref = d.annotations.find(kRefNameAnnotation);
      auto full = d.annotations.find(kContainerdNameAnnotation);
      if ((ref != d.annotations.end() && ref->second == tag) ||
          (full != d.annotations.end() && full->second == tag)) {
        selection.root = d;
        if (!FullName(d).empty()) selection.names.push_back(FullName(d));
        return selection;
      }
    }
    return absl::NotFoundError(
        absl::StrCat(what, ": no image named \"", tag, "\"; it holds ",
                     names.empty() ? std::string("only unnamed images")
                                   : absl::StrJoin(names, ", ")));
  }
  if (entries.size() == 1) {
    selection.root = entries[0];
    if (!names.empty()) selection.names.push_back(names[0]);
    return selection;
  }
  if (names.empty()) {
    // Several unnamed manifests: the layout's index is the image, as
    // containerd's import reads it.
    selection.root = oci::DescribeBytes(oci::kOciIndex, index_json);
    selection.root_is_layout_index = true;
    return selection;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      what, " holds ", entries.size(), " images; name one with :TAG (",
      absl::StrJoin(names, ", "), ")"));
}

}  // namespace hpc::transport
