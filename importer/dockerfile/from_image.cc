#include "importer/dockerfile/from_image.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "importer/base/base_image.h"
#include "importer/oci/media_types.h"
#include "importer/rewrite/rewrite.h"
#include "importer/transport/reference.h"

namespace hpc::dockerfile {
namespace {

// "mcr.microsoft.com/...base-image:v1.0.0" -> "base:v1.0.0".
std::optional<std::string> BaseImageReference(absl::string_view name) {
  absl::string_view rest = name;
  if (!absl::ConsumePrefix(&rest, base::kBaseImageRepository)) {
    return std::nullopt;
  }
  if (rest.empty()) return std::string("base:");
  if (absl::ConsumePrefix(&rest, ":") && !rest.empty() &&
      rest.find_first_of("/@:") == absl::string_view::npos) {
    return absl::StrCat("base:", rest);
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<FromImage> OpenFromImage(
    const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& bases,
    const copy::SourceOptions& options, bool offline,
    const std::optional<rewrite::Platform>& platform) {
  std::string reference = name;
  bool mapped = false;
  for (const auto& [from, source] : bases) {
    if (from == name) {
      reference = source;
      mapped = true;
    }
  }
  if (!mapped) {
    for (const auto& [from, source] : bases) {
      if (from.empty()) {
        reference = source;
        mapped = true;
      }
    }
  }
  if (!mapped) {
    if (auto base = BaseImageReference(name)) reference = *base;
  }
  auto parsed = transport::Reference::Parse(reference);
  if (!parsed.ok() && !offline) {
    // A registry's name, as docker and containerd read FROM.
    parsed = transport::Reference::Parse(absl::StrCat("docker://", reference));
  }
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "FROM ", name, ": ", offline ? "--offline: not pulled; " : "",
        "name a local source with --base ", name,
        "=SRC (SRC: oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, "
        "containerd:NAME) or write such a reference in FROM"));
  }
  if (offline && parsed->transport == transport::Transport::kDocker) {
    return absl::InvalidArgumentError(absl::StrCat(
        "FROM ", name, ": --offline: ", reference,
        " is in a registry; name a local source with --base ", name, "=SRC"));
  }
  auto opened = copy::OpenSource(*parsed, options);
  if (!opened.ok()) return opened.status();
  FromImage from;
  from.reference = reference;
  std::shared_ptr<image::ImageSource> source = std::move(*opened);
  if (oci::IsIndex(source->root().media_type)) {
    rewrite::RewriteOptions rewrite_options;
    rewrite_options.platform = platform;
    if (!platform && !rewrite::ChooseManifest(*source, std::nullopt).ok()) {
      // No Windows manifest: a Linux image, for a build stage.
      auto linux = rewrite::Platform::Parse("linux/amd64");
      if (linux.ok() && rewrite::ChooseManifest(*source, *linux).ok())
        rewrite_options.platform = *linux;
    }
    auto narrowed = rewrite::RewriteToSingleManifest(*source, rewrite_options);
    if (!narrowed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("FROM ", name, ": ", narrowed.status().message()));
    }
    from.changes = std::move(narrowed->changes);
    from.sources.push_back(std::move(narrowed->image));
  }
  from.sources.push_back(std::move(source));
  return from;
}

}  // namespace hpc::dockerfile
