#include "importer/explain/manifest_selection.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hpc::explain {
namespace {

// containerd's Less for two kept entries with platforms, both matching.
bool Before(const MatchingEra& era, const PlatformMatch& a,
            const rewrite::Platform& pa, const PlatformMatch& b,
            const rewrite::Platform& pb) {
  switch (era.order_rule) {
    case OrderRule::kHighestRevision:
      return Revision(pa.os_version) > Revision(pb.os_version);
    case OrderRule::kIndexOrder:
      return a.rank < b.rank;
    case OrderRule::kHighestOsVersionText:
      return pa.os_version > pb.os_version;
  }
  return false;
}

std::string WhyFirst(const MatchingEra& era, bool strictly_first,
                     const PlatformMatch& winner,
                     const std::optional<rewrite::Platform>& platform) {
  if (!platform) return "none has a platform: first in the index";
  if (!strictly_first) return "first in the index among equals";
  switch (era.order_rule) {
    case OrderRule::kHighestRevision:
      return absl::StrCat("highest revision (", Revision(platform->os_version),
                          ")");
    case OrderRule::kIndexOrder:
      return winner.rank == 0 ? "windows/amd64 before windows/386"
                              : "first in the index";
    case OrderRule::kHighestOsVersionText:
      return "highest os.version, compared as text";
  }
  return "";
}

}  // namespace

ManifestSelection SelectManifest(
    const MatchingEra& era, const NodeVersion& node,
    const std::vector<std::optional<rewrite::Platform>>& entries,
    const std::vector<ConfigOfEntry>& configs) {
  ManifestSelection s;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i]) {
      s.matches.push_back(
          {true, 0, "no platform: kept, after every entry with one"});
      s.kept.push_back(i);
      continue;
    }
    s.matches.push_back(MatchPlatform(era, node, *entries[i]));
    if (s.matches.back().matched) s.kept.push_back(i);
  }
  auto less = [&](size_t x, size_t y) {
    if (!entries[x]) return false;
    if (!entries[y]) return true;
    return Before(era, s.matches[x], *entries[x], s.matches[y], *entries[y]);
  };
  std::stable_sort(s.kept.begin(), s.kept.end(), less);

  auto label = [&](size_t i) {
    return absl::StrCat("#", i, " (", s.matches[i].why, ")");
  };
  if (s.kept.empty()) {
    std::vector<std::string> misses;
    for (size_t i = 0; i < entries.size(); ++i) misses.push_back(label(i));
    s.reason = entries.empty() ? "the index lists no manifest"
                               : absl::StrCat("no entry matches: ",
                                              absl::StrJoin(misses, ", "));
    return s;
  }
  s.chosen = s.kept.front();
  if (s.kept.size() == 1) {
    s.reason = absl::StrCat("only ", label(*s.chosen), " matches");
  } else {
    std::vector<size_t> in_order = s.kept;
    std::sort(in_order.begin(), in_order.end());
    std::vector<std::string> kept;
    for (size_t i : in_order) kept.push_back(label(i));
    bool strictly_first = less(s.kept[0], s.kept[1]);
    s.reason = absl::StrCat(absl::StrJoin(kept, ", "), " match; #", *s.chosen,
                            " wins: ",
                            WhyFirst(era, strictly_first, s.matches[*s.chosen],
                                     entries[*s.chosen]));
  }
  const size_t winner = *s.chosen;
  if (!entries[winner] && winner < configs.size()) {
    // containerd reads the winner's config and matches its platform,
    // normalised; 1.x takes only os and architecture from it.
    const ConfigOfEntry& config = configs[winner];
    std::string why;
    if (!config.platform) {
      why = absl::StrCat("its config cannot be read: ", config.error);
    } else {
      rewrite::Platform p = *config.platform;
      if (!era.config_platform_has_version) {
        rewrite::Platform os_arch;
        os_arch.os = p.os;
        os_arch.architecture = p.architecture;
        p = os_arch;
      }
      p.os = absl::AsciiStrToLower(p.os);
      if (p.os.empty()) p.os = "windows";
      PlatformMatch m = MatchPlatform(era, node, p);
      if (!m.matched) {
        why = absl::StrCat("its config's platform ", p.ToString(),
                           " does not match (", m.why, ")");
      }
    }
    if (!why.empty()) {
      s.chosen.reset();
      s.reason =
          absl::StrCat(s.reason, "; but #", winner, " has no platform and ",
                       why, ": no match for platform in manifest");
    }
  } else if (era.transfer_fetches_without_386 && entries[winner] &&
             s.matches[winner].rank == 1) {
    s.chosen.reset();
    s.reason =
        absl::StrCat(s.reason,
                     "; but the Transfer service fetched only windows/amd64 "
                     "entries (CRI pull, use_local_image_pull off), so the "
                     "windows/386 winner is not there and the pull fails");
  }
  return s;
}

}  // namespace hpc::explain
