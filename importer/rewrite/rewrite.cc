#include "importer/rewrite/rewrite.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/oci/image_config.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"

namespace hpc::rewrite {

namespace {

// The source with some blobs replaced or added, and another root.
class RewrittenImage final : public image::ImageSource {
 public:
  explicit RewrittenImage(image::ImageSource& inner) : inner_(inner) {}

  const std::string& name() const override { return inner_.name(); }
  const oci::Descriptor& root() const override { return root_; }
  std::vector<std::string> image_names() const override {
    return inner_.image_names();
  }
  absl::StatusOr<std::unique_ptr<image::BlobStream>> Open(
      const oci::Descriptor& blob) override {
    if (auto it = added_.find(blob.digest.str()); it != added_.end()) {
      return image::StreamOf(it->second);
    }
    return inner_.Open(blob);
  }
  bool concurrent_reads() const override { return inner_.concurrent_reads(); }

  oci::Descriptor Add(absl::string_view media_type, std::string bytes) {
    oci::Descriptor d = oci::DescribeBytes(media_type, bytes);
    added_[d.digest.str()] = std::move(bytes);
    return d;
  }

  image::ImageSource& inner_;
  oci::Descriptor root_;
  std::map<std::string, std::string> added_;
};

struct Candidate {
  oci::Descriptor descriptor;
  Platform platform;
};

absl::Status Collect(image::ImageSource& source,
                     const oci::Descriptor& index_desc, int depth,
                     std::vector<Candidate>& out) {
  if (depth > 8)
    return absl::InvalidArgumentError(
        absl::StrCat(source.name(), ": indexes nested too deep"));
  auto bytes = image::ReadSmallBlob(source, index_desc);
  if (!bytes.ok()) return bytes.status();
  auto index =
      oci::Index::Parse(*bytes, absl::StrCat("index of ", source.name()));
  if (!index.ok()) return index.status();
  for (const oci::Descriptor& d : index->manifests()) {
    if (oci::IsIndex(d.media_type)) {
      if (absl::Status s = Collect(source, d, depth + 1, out); !s.ok())
        return s;
    } else if (oci::IsManifest(d.media_type)) {
      out.push_back({d, d.platform.has_value() ? Platform::FromJson(*d.platform)
                                               : Platform()});
    }
  }
  return absl::OkStatus();
}

std::string Describe(const Candidate& c) {
  std::string platform =
      c.platform.os.empty() ? "no platform" : c.platform.ToString();
  return absl::StrCat(c.descriptor.digest.str(), " (", platform, ")");
}

std::string ListChoices(const std::vector<Candidate>& candidates) {
  std::vector<std::string> lines;
  for (const Candidate& c : candidates) lines.push_back(Describe(c));
  return absl::StrJoin(lines, ", ");
}

absl::StatusOr<Candidate> Choose(const std::vector<Candidate>& candidates,
                                 const std::optional<Platform>& platform,
                                 const std::string& name) {
  std::vector<const Candidate*> matches;
  for (const Candidate& c : candidates) {
    if (platform.has_value()) {
      const Platform& want = *platform;
      if (c.platform.os != want.os ||
          c.platform.architecture != want.architecture)
        continue;
      if (!want.variant.empty() && c.platform.variant != want.variant) continue;
      if (!want.os_version.empty() &&
          !VersionHasPrefix(c.platform.os_version, want.os_version)) {
        continue;
      }
    } else if (c.platform.os != "windows") {
      continue;
    }
    matches.push_back(&c);
  }
  std::string wanted = platform.has_value() ? platform->ToString() : "windows";
  if (matches.empty()) {
    return absl::NotFoundError(absl::StrCat(
        name, ": no manifest for ", wanted,
        "; choose one with --platform: ", ListChoices(candidates)));
  }
  // The highest os.version wins, as containerd's newer matcher has it.
  const Candidate* best = matches[0];
  for (const Candidate* c : matches) {
    if (CompareVersions(c->platform.os_version, best->platform.os_version) > 0)
      best = c;
  }
  for (const Candidate* c : matches) {
    if (c != best && c->descriptor.digest != best->descriptor.digest &&
        c->platform.ToString() == best->platform.ToString()) {
      std::vector<Candidate> tied;
      for (const Candidate* m : matches) tied.push_back(*m);
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": several manifests are ", wanted,
                       " with the same os.version; choose with "
                       "--platform: ",
                       ListChoices(tied)));
    }
  }
  return *best;
}

}  // namespace

absl::StatusOr<ManifestChoice> ChooseManifest(
    image::ImageSource& source, const std::optional<Platform>& platform) {
  std::vector<Candidate> candidates;
  if (absl::Status s = Collect(source, source.root(), 0, candidates); !s.ok())
    return s;
  if (candidates.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source.name(), ": the index lists no manifest"));
  }
  auto chosen = Choose(candidates, platform, source.name());
  if (!chosen.ok()) return chosen.status();
  return ManifestChoice{chosen->descriptor, Describe(*chosen)};
}

absl::StatusOr<RewriteResult> RewriteToSingleManifest(
    image::ImageSource& source, const RewriteOptions& options) {
  auto image = std::make_unique<RewrittenImage>(source);
  RewriteResult result;
  oci::Descriptor manifest_desc = source.root();
  if (oci::IsIndex(source.root().media_type)) {
    auto chosen = ChooseManifest(source, options.platform);
    if (!chosen.ok()) return chosen.status();
    manifest_desc = chosen->manifest;
    result.changes.push_back(absl::StrCat("index ", source.root().digest.str(),
                                          " replaced by its manifest ",
                                          chosen->description));
  } else if (!oci::IsManifest(source.root().media_type)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source.name(), ": media type ", source.root().media_type,
                     " is neither a manifest nor an index"));
  } else if (options.platform.has_value()) {
    result.changes.push_back(
        "single manifest: --platform not needed, kept as is");
  }
  if (manifest_desc.platform.has_value()) {
    manifest_desc.platform.reset();
    result.changes.push_back("platform removed from the manifest's descriptor");
  }
  manifest_desc.annotations.clear();

  if (options.strip_os_version) {
    auto bytes = image::ReadSmallBlob(source, manifest_desc);
    if (!bytes.ok()) return bytes.status();
    auto manifest = oci::Manifest::Parse(
        *bytes, absl::StrCat("manifest of ", source.name()));
    if (!manifest.ok()) return manifest.status();
    auto config_bytes = image::ReadSmallBlob(source, manifest->config());
    if (!config_bytes.ok()) return config_bytes.status();
    auto config = oci::ImageConfig::Parse(
        *config_bytes, absl::StrCat("config of ", source.name()));
    if (!config.ok()) return config.status();
    if (config->json().contains("os.version")) {
      std::string old_version = config->os_version();
      config->json().erase("os.version");
      oci::Descriptor new_config =
          image->Add(manifest->config().media_type, config->Serialize());
      oci::Descriptor old_config = manifest->config();
      new_config.annotations = old_config.annotations;
      new_config.extra = old_config.extra;
      manifest->set_config(new_config);
      oci::Descriptor new_manifest =
          image->Add(manifest->media_type(), manifest->Serialize());
      result.changes.push_back(absl::StrCat(
          "os.version ", old_version, " removed from the config: config ",
          old_config.digest.str(), " -> ", new_config.digest.str(),
          ", manifest ", manifest_desc.digest.str(), " -> ",
          new_manifest.digest.str()));
      manifest_desc = new_manifest;
    }
  }
  image->root_ = manifest_desc;
  result.image = std::move(image);
  return result;
}

}  // namespace hpc::rewrite
