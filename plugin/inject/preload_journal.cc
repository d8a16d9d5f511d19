#include "plugin/inject/preload_journal.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace hpc::inject {
namespace {

// Tabs and newlines in paths and errors would break the line format.
std::string Field(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\t", " "}, {"\n", " "}, {"\r", " "}});
}

bool ParseVersion(absl::string_view size, absl::string_view mtime,
                  absl::string_view digest, FileVersion* out) {
  return absl::SimpleAtoi(size, &out->size) &&
         absl::SimpleAtoi(mtime, &out->mtime_ns) &&
         absl::StartsWith(digest, "sha256:") &&
         (out->digest = std::string(digest), true);
}

}  // namespace

void PreloadJournal::Load() {
  entries_.clear();
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<absl::string_view> f = absl::StrSplit(line, '\t');
    JournalEntry entry;
    if ((f.size() == 6 || f.size() == 7) && (f[0] == "ok" || f[0] == "failed")) {
      if (!ParseVersion(f[1], f[2], f[3], &entry.version)) continue;
      entry.ok = f[0] == "ok";
      if (entry.ok) {
        entry.records = absl::StrSplit(f[5], ',', absl::SkipEmpty());
      } else {
        entry.error = std::string(f[5]);
      }
      entry.path = std::string(f[4]);
      if (f.size() == 7) entry.reference = std::string(f[6]);
      if (entry.reference.empty() && f.size() == 7) continue;
      Put(std::move(entry));
      continue;
    }
    // The first format: "SIZE MTIME_NS DIGEST PATH", an import that worked.
    std::vector<absl::string_view> old =
        absl::StrSplit(line, absl::MaxSplits(' ', 3));
    if (old.size() == 4 &&
        ParseVersion(old[0], old[1], old[2], &entry.version)) {
      entry.ok = true;
      entry.path = std::string(old[3]);
      Put(std::move(entry));
    }
  }
}

std::string PreloadJournal::Key(absl::string_view path,
                                absl::string_view reference) {
  // No tab survives in a journal's path.
  return reference.empty() ? std::string(path)
                           : absl::StrCat(Field(path), "\t", reference);
}

void PreloadJournal::Put(JournalEntry entry) {
  std::string key = Key(entry.path, entry.reference);
  entries_[std::move(key)] = std::move(entry);
}

absl::Status PreloadJournal::Save() const {
  std::string text;
  for (const auto& [key, e] : entries_) {
    absl::StrAppend(
        &text, e.ok ? "ok" : "failed", "\t", e.version.size, "\t",
        e.version.mtime_ns, "\t", e.version.digest, "\t", Field(e.path), "\t",
        e.ok ? absl::StrJoin(e.records, ",") : Field(e.error));
    if (!e.reference.empty()) absl::StrAppend(&text, "\t", Field(e.reference));
    text += "\n";
  }
  const std::string temporary = path_ + ".new";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out)
      return absl::InternalError(absl::StrCat("cannot write ", temporary));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path_, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot replace ", path_, ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace hpc::inject
