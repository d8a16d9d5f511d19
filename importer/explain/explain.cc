#include "importer/explain/explain.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "importer/explain/ctr_pull.h"
#include "importer/explain/manifest_selection.h"
#include "importer/oci/json.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"
#include "importer/rewrite/rewrite.h"

namespace hpc::explain {
namespace {

constexpr char kPullFails[] =
    "the pull fails with \"no match for platform in manifest\"";

constexpr char kManifestReason[] =
    "used as is: containerd checks no platform for a manifest that is the "
    "image's target";

// The platform `ctr images import` gives a docker-archive's manifest: the
// config's os and architecture; from 2.0 on also its os.version and
// os.features. A Windows platform without os.version gets the node's.
rewrite::Platform ImportPlatform(const rewrite::Platform& config,
                                 const NodeVersion& node,
                                 const ContainerdVersion& release) {
  rewrite::Platform p = config;
  if (release < ContainerdVersion{2, 0, 0, ""}) {
    p.os_version.clear();
    p.os_features.clear();
  }
  if (absl::AsciiStrToLower(p.os) == "windows" && p.os_version.empty()) {
    p.os_version = node.ToString();
  }
  return p;
}

// The platform in the config of the manifest `manifest` of `source`.
absl::StatusOr<rewrite::Platform> ConfigPlatform(
    image::ImageSource& source, const oci::Descriptor& manifest_desc) {
  auto bytes = image::ReadSmallBlob(source, manifest_desc);
  if (!bytes.ok()) return bytes.status();
  auto manifest =
      oci::Manifest::Parse(*bytes, absl::StrCat("manifest of ", source.name()));
  if (!manifest.ok()) return manifest.status();
  auto config_bytes = image::ReadSmallBlob(source, manifest->config());
  if (!config_bytes.ok()) return config_bytes.status();
  auto doc = oci::ParseJsonObject(*config_bytes,
                                  absl::StrCat("config of ", source.name()));
  if (!doc.ok()) return doc.status();
  return rewrite::Platform::FromJson(*doc);
}

// Whether `ctr images import` of an archive of a single manifest whose
// config has `config` succeeds on every node with every release.
bool ImportsEverywhere(const rewrite::Platform& config,
                       const std::vector<NodeVersion>& nodes,
                       const std::vector<ContainerdVersion>& releases) {
  for (const NodeVersion& node : nodes) {
    for (const ContainerdVersion& release : releases) {
      if (!MatchPlatform(MatchingEraOf(release), node,
                         ImportPlatform(config, node, release))
               .matched) {
        return false;
      }
    }
  }
  return true;
}

// The fix for an image that fails somewhere: what `hpcimg copy` makes of it
// (a single manifest without platform data, which every release pulls as
// is), with os.version stripped from its config when keeping it would make
// `ctr images import` fail on any node and release. No fix when the manifest
// the copy takes would still fail (not Windows, another architecture).
absl::Status FindFix(image::ImageSource& source,
                     const std::vector<NodeVersion>& nodes,
                     const std::vector<ContainerdVersion>& releases,
                     Explanation& out) {
  oci::Descriptor manifest = source.root();
  if (out.is_index) {
    auto chosen = rewrite::ChooseManifest(source, std::nullopt);
    if (!chosen.ok()) return absl::OkStatus();  // no Windows manifest
    manifest = chosen->manifest;
  }
  auto config = ConfigPlatform(source, manifest);
  if (!config.ok()) return config.status();
  if (ImportsEverywhere(*config, nodes, releases)) {
    if (!out.is_index) return absl::OkStatus();  // nothing a copy changes
    out.fix = absl::StrCat(
        "hpcimg copy ", out.image,
        " DEST: a single Windows manifest without platform data, which every "
        "containerd uses as is on every node");
    return absl::OkStatus();
  }
  rewrite::Platform stripped = *config;
  stripped.os_version.clear();
  if (!ImportsEverywhere(stripped, nodes, releases)) return absl::OkStatus();
  out.fix_strips_os_version = true;
  out.fix = absl::StrCat(
      "hpcimg copy --strip-os-version ", out.image,
      " DEST: a single Windows manifest without platform data, which every "
      "containerd uses as is on every node, and a config without os.version, "
      "which passes ctr images import's filter on every node (hpcimg import "
      "needs neither)");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Client> ParseClient(absl::string_view name) {
  if (name == "cri") return Client::kCri;
  if (name == "ctr") return Client::kCtr;
  return absl::InvalidArgumentError(absl::StrCat(
      "client \"", name, "\": must be cri (kubelet's pulls) or ctr"));
}

const char* ClientName(Client client) {
  return client == Client::kCri ? "cri" : "ctr";
}

std::vector<NodeVersion> DefaultNodes() {
  return {{10, 0, 17763}, {10, 0, 20348}, {10, 0, 26100}};
}

std::vector<ContainerdVersion> DefaultContainerdVersions() {
  return {{1, 6, 17, ""}, {1, 6, 18, ""}, {2, 0, 0, ""}};
}

absl::StatusOr<Explanation> Explain(
    image::ImageSource& source, const std::vector<NodeVersion>& nodes,
    const std::vector<ContainerdVersion>& releases, Client client) {
  Explanation out;
  out.image = source.name();
  out.client = client;
  out.digest = source.root().digest.str();
  out.is_index = oci::IsIndex(source.root().media_type);
  std::vector<std::optional<rewrite::Platform>> platforms;
  std::vector<ConfigOfEntry> configs;
  if (out.is_index) {
    auto bytes = image::ReadSmallBlob(source, source.root());
    if (!bytes.ok()) return bytes.status();
    auto index =
        oci::Index::Parse(*bytes, absl::StrCat("index of ", source.name()));
    if (!index.ok()) return index.status();
    for (const oci::Descriptor& d : index->manifests()) {
      IndexEntry entry{d.digest.str(), d.media_type, std::nullopt};
      if (d.platform) entry.platform = rewrite::Platform::FromJson(*d.platform);
      platforms.push_back(entry.platform);
      ConfigOfEntry config;
      if (!d.platform && oci::IsManifest(d.media_type)) {
        // containerd reads it when this entry wins.
        auto platform = ConfigPlatform(source, d);
        if (platform.ok()) {
          config.platform = *platform;
        } else {
          config.error = std::string(platform.status().message());
        }
      } else if (!d.platform) {
        config.error =
            absl::StrCat("media type ", d.media_type, " is not a manifest");
      }
      configs.push_back(std::move(config));
      out.entries.push_back(std::move(entry));
    }
  } else {
    auto platform = ConfigPlatform(source, source.root());
    if (!platform.ok()) return platform.status();
    out.config_platform = *platform;
  }
  for (const NodeVersion& node : nodes) {
    for (const ContainerdVersion& release : releases) {
      NodeResult r;
      r.node = node;
      r.containerd = release;
      r.era = &MatchingEraOf(release);
      if (!out.is_index) {
        r.chosen = 0;
        r.selected = out.digest;
        r.reason = kManifestReason;
        PlatformMatch m = MatchPlatform(
            *r.era, node, ImportPlatform(out.config_platform, node, release));
        r.import_ok = m.matched;
        r.import_reason =
            m.matched ? "kept" : absl::StrCat("filtered out: ", m.why);
      } else {
        ManifestSelection s = SelectManifest(*r.era, node, platforms, configs);
        if (client == Client::kCri) {
          r.chosen = s.chosen;
          r.reason = std::move(s.reason);
          if (!r.chosen) r.failure = kPullFails;
        } else {
          CtrPullResult c = SelectCtrPull(CtrPullOf(release), *r.era, node,
                                          platforms, configs);
          r.chosen = c.chosen;
          r.unpacked = std::move(c.unpacked);
          r.reason = std::move(c.reason);
          r.failure = std::move(c.failure);
        }
        if (r.chosen) r.selected = out.entries[*r.chosen].digest;
        r.import_kept = s.kept;
        std::sort(r.import_kept.begin(), r.import_kept.end());
        r.import_ok = !r.import_kept.empty();
      }
      if (!r.chosen) out.fails = true;
      if (!r.import_ok) out.import_fails = true;
      out.results.push_back(std::move(r));
    }
  }
  if (out.fails || out.import_fails) {
    if (absl::Status s = FindFix(source, nodes, releases, out); !s.ok())
      return s;
  }
  return out;
}

}  // namespace hpc::explain
