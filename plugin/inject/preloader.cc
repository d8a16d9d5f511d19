#include "plugin/inject/preloader.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "importer/containerd/connection.h"
#include "importer/containerd/image_records.h"
#include "importer/containerd/register_image.h"
#include "importer/copy/import_archive.h"
#include "importer/log/log.h"
#include "importer/oci/digester.h"
#include "plugin/inject/folder_watch.h"
#include "plugin/inject/preload_journal.h"

namespace hpc::inject {

namespace {

namespace fs = std::filesystem;

constexpr absl::Duration kRetry = absl::Milliseconds(100);
// A file is taken once its size and time have not changed for this long.
constexpr absl::Duration kSettle = absl::Seconds(1);
// How often the folder is looked at without a change notice.
constexpr absl::Duration kRescan = absl::Seconds(2);

// The archives k3s takes from its images folder.
bool IsArchive(const std::string& name) {
  for (const char* suffix : {".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst",
                             ".tar.lz4", ".tar.bz2"}) {
    if (absl::EndsWith(name, suffix)) return true;
  }
  return false;
}

absl::StatusOr<FileVersion> Stat(const std::string& path) {
  std::error_code ec;
  FileVersion v;
  v.size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec)
    return absl::NotFoundError(absl::StrCat("stat ", path, ": ", ec.message()));
  const auto modified = fs::last_write_time(path, ec);
  if (ec)
    return absl::NotFoundError(absl::StrCat("stat ", path, ": ", ec.message()));
  v.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::file_clock::to_sys(modified).time_since_epoch())
                   .count();
  return v;
}

absl::StatusOr<std::string> FileDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  oci::Digester digester;
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    digester.Update(
        absl::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  return digester.Current().str();
}

// Failures that say nothing about the archive: containerd or the plugin
// not answering. Such an archive is tried again; any other failure waits
// for the file to change.
bool Transient(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded ||
         status.code() == absl::StatusCode::kCancelled;
}

// Sets or removes io.cri-containerd.pinned on each record that still
// exists; says how many changed.
int SetPinned(containerd::Connection& connection,
              const std::vector<std::string>& records, bool pinned) {
  int changed = 0;
  for (const std::string& name : records) {
    if (pinned) {
      auto record = containerd::GetImageRecord(connection, name);
      if (!record.ok() || !record->has_value()) continue;
      containerd::ImageRecord r = **record;
      if (r.labels[containerd::kCriPinnedLabel] == "pinned") continue;
      r.labels[containerd::kCriPinnedLabel] = "pinned";
      auto put = containerd::PutImageRecord(connection, r);
      if (!put.ok()) {
        log::Warn("preload: pinning %s: %s", name, put.status().message());
        continue;
      }
      ++changed;
    } else {
      auto removed = containerd::RemoveImageLabel(connection, name,
                                                  containerd::kCriPinnedLabel);
      if (!removed.ok()) {
        log::Warn("preload: unpinning %s: %s", name,
                  removed.status().message());
        continue;
      }
      if (*removed) ++changed;
    }
  }
  return changed;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Preloader>> Preloader::Start(
    PreloadOptions options) {
  std::error_code ec;
  if (!fs::is_directory(options.dir, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--preload ", options.dir, ": not a directory"));
  }
  std::unique_ptr<Preloader> preloader(new Preloader(std::move(options)));
  preloader->thread_ = std::thread(&Preloader::Run, preloader.get());
  return preloader;
}

Preloader::~Preloader() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void Preloader::Run() {
  std::unique_ptr<FolderWatch> watch = FolderWatch::Open(options_.dir);

  // containerd must answer before anything can be imported.
  std::unique_ptr<containerd::Connection> connection;
  bool told = false;
  while (!stop_.HasBeenNotified()) {
    auto dialed = containerd::Connection::Dial(options_.containerd_address,
                                               options_.ns, absl::Seconds(1));
    if (dialed.ok()) {
      connection = std::move(*dialed);
      break;
    }
    if (!told) {
      log::Info("preload of %s waits for containerd: %s", options_.dir,
                dialed.status().message());
      told = true;
    }
    stop_.WaitForNotificationWithTimeout(kRetry);
  }
  if (connection == nullptr) return;

  PreloadJournal journal(options_.journal);
  journal.Load();

  // At start: what left the folder (or changed in it) is unpinned, and
  // what is still there pinned again (kubelet or a person may have taken
  // the label off).
  {
    // Records several archives share (an image's ID, its repo digest) stay
    // pinned while any archive that made them is still there.
    std::set<std::string> keep, drop;
    int gone = 0;
    for (auto it = journal.entries().begin(); it != journal.entries().end();) {
      auto now = Stat(it->first);
      const bool still_there = now.ok() && now->SameStat(it->second.version);
      if (it->second.ok) {
        (still_there ? keep : drop)
            .insert(it->second.records.begin(), it->second.records.end());
      }
      if (!now.ok()) {
        it = journal.entries().erase(it);
        ++gone;
      } else {
        ++it;
      }
    }
    for (const std::string& record : keep) drop.erase(record);
    int repinned = 0, unpinned = 0;
    if (options_.pin) {
      repinned = SetPinned(*connection, {keep.begin(), keep.end()}, true);
      unpinned = SetPinned(*connection, {drop.begin(), drop.end()}, false);
    }
    if (gone > 0) {
      if (absl::Status s = journal.Save(); !s.ok())
        log::Warn("preload: %s", s.message());
    }
    if (repinned + unpinned + gone > 0) {
      log::Info(
          "preload of %s: %d records pinned again, %d unpinned; %d "
          "archives left the folder",
          options_.dir, repinned, unpinned, gone);
    }
  }

  // Files seen changing, and since when they have kept their state.
  std::map<std::string, std::pair<FileVersion, absl::Time>> settling;
  // Transient failures already logged, and .txt files already reported.
  std::set<std::string> told_transient;
  std::map<std::string, FileVersion> reported_lists;
  // What the first pass found, each file counted once.
  bool first_pass = true;
  std::set<std::string> counted;
  int imported = 0, skipped = 0, failed = 0, failed_before = 0;

  while (!stop_.HasBeenNotified()) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
      if (entry.is_regular_file(ec)) files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    const absl::Time now = absl::Now();
    bool waiting = false;  // some file has yet to settle
    for (const std::string& path : files) {
      if (stop_.HasBeenNotified()) break;
      const std::string name = fs::path(path).filename().string();
      auto version = Stat(path);
      if (!version.ok()) continue;  // gone meanwhile
      if (absl::EndsWith(name, ".txt")) {
        auto reported = reported_lists.find(path);
        if (reported != reported_lists.end() &&
            reported->second.SameStat(*version)) {
          continue;
        }
        reported_lists[path] = *version;
        std::ifstream in(path);
        int line_number = 0;
        for (std::string line; std::getline(in, line);) {
          ++line_number;
          absl::string_view ref = absl::StripAsciiWhitespace(line);
          if (ref.empty() || absl::StartsWith(ref, "#")) continue;
          log::Warn(
              "preload: %s:%d: %s: pulling images from registries is "
              "not supported yet; save it to an archive in %s instead",
              path, line_number, ref, options_.dir);
        }
        continue;
      }
      if (!IsArchive(name)) continue;

      auto done = journal.entries().find(path);
      if (done != journal.entries().end() &&
          done->second.version.SameStat(*version)) {
        if (first_pass && counted.insert(path).second) {
          (done->second.ok ? skipped : failed_before)++;
        }
        continue;
      }
      // Taken once written: its time is kSettle old, or it has kept its
      // size and time for kSettle.
      auto [it, fresh] = settling.try_emplace(path, *version, now);
      if (!fresh && !it->second.first.SameStat(*version)) {
        it->second = {*version, now};
      }
      if (now - absl::FromUnixNanos(version->mtime_ns) < kSettle &&
          now - it->second.second < kSettle) {
        waiting = true;
        continue;
      }
      settling.erase(path);

      auto digest = FileDigest(path);
      if (!digest.ok()) continue;  // gone meanwhile
      version->digest = *digest;
      if (done != journal.entries().end() &&
          done->second.version.digest == *digest) {
        // Touched, not changed.
        done->second.version = *version;
        if (absl::Status s = journal.Save(); !s.ok())
          log::Warn("preload: %s", s.message());
        continue;
      }

      copy::ImportOptions options;
      options.containerd_address = options_.containerd_address;
      options.containerd_namespace = options_.ns;
      options.plugin_address = options_.plugin_address;
      options.snapshotter = options_.snapshotter;
      options.unpack = !options_.snapshotter.empty();
      options.pin = options_.pin;
      auto result = copy::ImportArchive(path, options);
      if (!result.ok() && Transient(result.status())) {
        if (told_transient.insert(path).second) {
          log::Warn("preload of %s waits (tried again): %s", path,
                    result.status().message());
        }
        waiting = true;
        continue;
      }
      told_transient.erase(path);
      JournalEntry entry;
      entry.version = *version;
      if (!result.ok()) {
        log::Error(
            "preload of %s failed (tried again once the file "
            "changes): %s",
            path, result.status().message());
        entry.error = std::string(result.status().message());
        if (options_.metrics != nullptr)
          options_.metrics->CountOutcome("preload", "failed");
        if (counted.insert(path).second) ++failed;
      } else {
        entry.ok = true;
        for (const auto& image : *result) {
          log::Info("preloaded %s as %s", image.archive,
                    absl::StrJoin(image.records, ", "));
          for (const std::string& warning : image.warnings)
            log::Warn("preload: %s", warning);
          entry.records.insert(entry.records.end(), image.records.begin(),
                               image.records.end());
        }
        if (counted.insert(path).second) ++imported;
        if (options_.metrics != nullptr)
          options_.metrics->CountOutcome("preload", "imported");
      }
      journal.entries()[path] = std::move(entry);
      if (absl::Status s = journal.Save(); !s.ok())
        log::Warn("preload: %s", s.message());
    }
    // The first pass ends once nothing in the folder is still being
    // written.
    if (first_pass && !waiting) {
      log::Info(
          "preload of %s: %d imported, %d already done, %d failed, %d failed "
          "before and unchanged; watching for more",
          options_.dir, imported, skipped, failed, failed_before);
      first_pass = false;
    }
    watch->Wait(waiting ? kSettle / 2 : kRescan);
  }
}

}  // namespace hpc::inject
