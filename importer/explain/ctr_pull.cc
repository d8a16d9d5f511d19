#include "importer/explain/ctr_pull.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hpc::explain {
namespace {

struct CtrPullStart {
  ContainerdVersion first_release;  // applies from this release on
  CtrPull ctr;
};

// In version order; each lasts until the next one starts.
const std::vector<CtrPullStart>& CtrPulls() {
  static const auto* pulls = new std::vector<CtrPullStart>{
      {{0, 0, 0, ""},
       {"1.6.x",
        "cmd/ctr/commands/content/fetch.go (platforms.DefaultString()) and "
        "images/pull.go (platforms.Only(DefaultSpec())) at v1.6.x",
        CtrFetchRule::kAnyWindowsAmd64, CtrUnpackRule::kFirstWindowsInIndex}},
      {{1, 7, 0, "beta.0"},
       {"1.7.0-beta.0 to 1.7.5",
        "cmd/ctr at v1.7.0 (--local is the default), platforms' "
        "windowsmatcher with an empty os.version prefix",
        CtrFetchRule::kAnyWindowsAmd64, CtrUnpackRule::kReleaseMatcher}},
      {{1, 7, 6, ""},
       {"1.7.6 to 1.7.18",
        "cmd/ctr at v1.7.6: platforms.Parse gives \"windows/amd64\" the "
        "node's os.version",
        CtrFetchRule::kNodeMatcher, CtrUnpackRule::kReleaseMatcher}},
      {{1, 7, 19, ""},
       {"1.7.19 to 1.7.x",
        "cmd/ctr at v1.7.19, containerd/platforms v0.2.1: a matcher without "
        "os.version takes any",
        CtrFetchRule::kAnyWindowsAmd64, CtrUnpackRule::kReleaseMatcher}},
      {{2, 0, 0, ""},
       {"2.0.0 and later",
        "cmd/ctr at v2.0.0 (Transfer is the default), "
        "core/transfer/image/imagestore.go, plugins/transfer/plugin.go",
        CtrFetchRule::kNodeMatcher, CtrUnpackRule::kEveryFetched}},
  };
  return *pulls;
}

// The matcher ctr fetches with.
MatchingEra FetchEra(const CtrPull& ctr, const MatchingEra& era) {
  MatchingEra fetch;
  if (ctr.fetch == CtrFetchRule::kNodeMatcher) fetch = era;
  fetch.version_rule = ctr.fetch == CtrFetchRule::kNodeMatcher
                           ? era.version_rule
                           : VersionRule::kAny;
  fetch.order_rule = OrderRule::kIndexOrder;
  fetch.admits_linux = false;
  fetch.accepts_386 = false;
  fetch.transfer_fetches_without_386 = false;
  return fetch;
}

// The matcher ctr of 1.x unpacks with.
MatchingEra UnpackEra(const CtrPull& ctr, const MatchingEra& era) {
  MatchingEra unpack = era;
  if (ctr.unpack == CtrUnpackRule::kFirstWindowsInIndex) {
    unpack = MatchingEra{};
    unpack.version_rule = VersionRule::kAny;
    unpack.order_rule = OrderRule::kIndexOrder;
    unpack.accepts_386 = true;
  }
  unpack.transfer_fetches_without_386 = false;
  return unpack;
}

std::string Numbers(const std::vector<size_t>& entries) {
  std::vector<std::string> out;
  for (size_t i : entries) out.push_back(absl::StrCat("#", i));
  return absl::StrJoin(out, ", ");
}

}  // namespace

const CtrPull& CtrPullOf(const ContainerdVersion& version) {
  const CtrPull* found = nullptr;
  for (const CtrPullStart& start : CtrPulls()) {
    if (version >= start.first_release) found = &start.ctr;
  }
  return *found;  // the first starts at 0.0.0
}

CtrPullResult SelectCtrPull(
    const CtrPull& ctr, const MatchingEra& era, const NodeVersion& node,
    const std::vector<std::optional<rewrite::Platform>>& entries,
    const std::vector<ConfigOfEntry>& configs) {
  CtrPullResult r;
  const MatchingEra fetch_era = FetchEra(ctr, era);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i]) {
      r.fetch_matches.push_back({true, 0, "no platform: fetched"});
    } else {
      r.fetch_matches.push_back(MatchPlatform(fetch_era, node, *entries[i]));
    }
    if (r.fetch_matches.back().matched) r.fetched.push_back(i);
  }
  const std::string filter = ctr.fetch == CtrFetchRule::kAnyWindowsAmd64
                                 ? "windows/amd64 of any os.version"
                                 : "what this release's matcher takes for the "
                                   "node, no windows/386";
  const std::string fetched =
      r.fetched.empty()
          ? absl::StrCat("fetches no manifest (", filter, ")")
          : absl::StrCat("fetches ", Numbers(r.fetched), " (", filter, ")");

  if (ctr.unpack == CtrUnpackRule::kEveryFetched) {
    r.unpacked = r.fetched;
    if (r.unpacked.empty()) {
      r.reason = fetched;
      r.failure =
          "ctr pull registers the image, but no manifest of it is fetched or "
          "unpacked for this node";
      return r;
    }
    r.chosen = r.unpacked.front();
    r.reason = absl::StrCat(fetched, " and unpacks every one of them");
    return r;
  }

  ManifestSelection s =
      SelectManifest(UnpackEra(ctr, era), node, entries, configs);
  r.reason = absl::StrCat(fetched, "; unpacks: ", s.reason);
  if (!s.chosen) {
    r.failure =
        "the unpack fails with \"no match for platform in manifest\" (the "
        "image is registered, but not unpacked)";
    return r;
  }
  if (std::find(r.fetched.begin(), r.fetched.end(), *s.chosen) ==
      r.fetched.end()) {
    r.failure = absl::StrCat(
        "#", *s.chosen,
        " was not fetched, so the unpack fails with \"content digest ... not "
        "found\"");
    return r;
  }
  r.chosen = s.chosen;
  r.unpacked = {*s.chosen};
  if (ctr.unpack == CtrUnpackRule::kFirstWindowsInIndex && entries[*s.chosen]) {
    PlatformMatch cri = MatchPlatform(era, node, *entries[*s.chosen]);
    if (!cri.matched) {
      absl::StrAppend(&r.reason, "; CRI of this release would not take #",
                      *s.chosen, ": ", cri.why);
    }
  }
  return r;
}

}  // namespace hpc::explain
