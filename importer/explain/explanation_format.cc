#include "importer/explain/explanation_format.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hpc::explain {
namespace {

std::string ShortDigest(const std::string& digest) {
  return digest.substr(0, std::min<size_t>(digest.size(), 7 + 12));
}

std::string PlatformText(const std::optional<rewrite::Platform>& p) {
  return p ? p->ToString() : "(no platform)";
}

std::string Paint(bool colour, const char* code, const std::string& text) {
  return colour ? absl::StrCat("\033[", code, "m", text, "\033[0m") : text;
}

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text
                              : text + std::string(width - text.size(), ' ');
}

std::string Reason(const NodeResult& r) {
  return r.failure.empty() ? r.reason : absl::StrCat(r.reason, "; ", r.failure);
}

}  // namespace

oci::Json ToJson(const Explanation& e) {
  oci::Json results = oci::Json::array();
  for (const NodeResult& r : e.results) {
    oci::Json item = {
        {"host", r.node.ToString()}, {"containerd", r.containerd.ToString()},
        {"era", r.era->releases},    {"selected", nullptr},
        {"platform", nullptr},       {"reason", Reason(r)}};
    if (r.chosen) {
      item["selected"] = r.selected;
      if (e.is_index)
        item["platform"] = PlatformText(e.entries[*r.chosen].platform);
    }
    if (e.client == Client::kCtr && e.is_index) {
      oci::Json unpacked = oci::Json::array();
      for (size_t i : r.unpacked) unpacked.push_back(e.entries[i].digest);
      item["unpacked"] = unpacked;
    }
    oci::Json import = {{"ok", r.import_ok}};
    if (e.is_index) {
      oci::Json kept = oci::Json::array();
      for (size_t i : r.import_kept) kept.push_back(e.entries[i].digest);
      import["keeps"] = kept;
    } else {
      import["reason"] = r.import_reason;
    }
    item["import"] = import;
    results.push_back(std::move(item));
  }
  oci::Json entries = oci::Json::array();
  for (const IndexEntry& entry : e.entries) {
    entries.push_back(
        {{"digest", entry.digest},
         {"mediaType", entry.media_type},
         {"platform", entry.platform ? oci::Json(entry.platform->ToString())
                                     : oci::Json(nullptr)}});
  }
  oci::Json out = {
      {"image", e.image},
      {"kind", e.is_index ? "index" : "manifest"},
      {"client", ClientName(e.client)},
      {"digest", e.digest},
      {"results", results},
      {"verdict", e.fails || e.import_fails ? "fails" : "ok"},
      {"fix", e.fix.empty() ? oci::Json(nullptr) : oci::Json(e.fix)}};
  if (e.is_index) out["entries"] = entries;
  return out;
}

std::string FormatTable(const Explanation& e, bool colour) {
  std::string out = absl::StrCat(
      "image  ", e.image, "\n       ", e.is_index ? "index " : "manifest ",
      e.digest,
      e.is_index ? absl::StrCat(", ", e.entries.size(), " entries") : "",
      "\npull   ",
      e.client == Client::kCri
          ? "by CRI, as kubelet pulls (--client cri)"
          : "by ctr images pull without --platform (--client ctr)",
      "\n");
  for (size_t i = 0; i < e.entries.size(); ++i) {
    absl::StrAppend(&out, "  #", i, "  ", ShortDigest(e.entries[i].digest),
                    "  ", PlatformText(e.entries[i].platform), "\n");
  }
  out += "\n";

  std::vector<std::vector<std::string>> rows = {
      {"HOST", "CONTAINERD", "SELECTED", e.is_index ? "IMPORT KEEPS" : "IMPORT",
       "WHY"}};
  for (const NodeResult& r : e.results) {
    std::string selected =
        !r.chosen ? (e.client == Client::kCri ? "no match" : "fails")
        : e.is_index
            ? absl::StrCat("#", *r.chosen, " ", ShortDigest(r.selected))
            : ShortDigest(r.selected);
    if (r.unpacked.size() > 1) {
      std::vector<std::string> all;
      for (size_t i : r.unpacked) all.push_back(absl::StrCat("#", i));
      selected = absl::StrCat(absl::StrJoin(all, ","), " (all unpacked)");
    }
    std::vector<std::string> kept;
    for (size_t i : r.import_kept) kept.push_back(absl::StrCat("#", i));
    rows.push_back({r.node.ToString(), r.containerd.ToString(), selected,
                    e.is_index
                        ? (kept.empty() ? "none" : absl::StrJoin(kept, ","))
                    : r.import_ok ? "ok"
                                  : "filtered out",
                    Reason(r)});
  }
  std::vector<size_t> width(4, 0);  // the last column, WHY, is not padded
  for (const auto& row : rows) {
    for (size_t c = 0; c < 4; ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    std::string line;
    for (size_t c = 0; c < 4; ++c) {
      std::string cell = Pad(row[c], width[c] + 2);
      if (i > 0 && c == 2) {
        cell = Paint(colour, e.results[i - 1].chosen ? "32" : "31", cell);
      } else if (i == 0) {
        cell = Paint(colour, "1", cell);
      }
      line += cell;
    }
    absl::StrAppend(&out, line, i == 0 ? Paint(colour, "1", row[4]) : row[4],
                    "\n");
  }

  std::vector<std::string> failing;
  for (const NodeResult& r : e.results) {
    if (!r.chosen || !r.import_ok) {
      failing.push_back(absl::StrCat(r.node.ToString(), " with containerd ",
                                     r.containerd.ToString(),
                                     r.chosen ? " (ctr images import)" : ""));
    }
  }
  out += "\n";
  if (!e.fails && !e.import_fails) {
    absl::StrAppend(&out, "verdict  ", Paint(colour, "32", "ok"),
                    ": every containerd above pulls and imports this image on "
                    "every node above\n");
  } else {
    absl::StrAppend(
        &out, "verdict  ", Paint(colour, "31", "fails"),
        failing.size() == e.results.size()
            ? " on every node with every release above"
            : absl::StrCat(" on ", failing.size(), " of ", e.results.size(),
                           ": ", absl::StrJoin(failing, "; ")),
        "\n");
    absl::StrAppend(&out, "fix      ",
                    e.fix.empty()
                        ? "none by rewriting: the index has no Windows manifest"
                        : e.fix,
                    "\n");
  }
  if (e.is_index && e.client == Client::kCri) {
    out +=
        "\nctr images import on a Windows node filters an archive of this "
        "index with the same\nmatcher: it keeps only the entries under "
        "IMPORT KEEPS, and its unpack takes the\nSELECTED one or fails the "
        "same way.\n";
  } else if (e.is_index) {
    out +=
        "\nIMPORT KEEPS: the entries ctr images import keeps from an archive "
        "of this index\n(the release's platform matcher, as CRI uses it).\n";
  } else {
    absl::StrAppend(
        &out,
        "\nIMPORT is ctr images import of a docker-archive of this image: "
        "ctr gives the\nmanifest the config's platform (",
        e.config_platform.ToString(),
        "); releases before 2.0 replace its\nos.version with the node's, "
        "later ones keep it and filter with the matcher\n(\"image might be "
        "filtered out\").\n");
  }
  return out;
}

}  // namespace hpc::explain
