#include "plugin/inject/preloader.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
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
#include "importer/registry/registry_source.h"
#include "plugin/inject/folder_watch.h"

namespace hpc::inject {

namespace {

namespace fs = std::filesystem;

constexpr absl::Duration kRetry = absl::Milliseconds(100);
// A file is taken once its size and time have not changed for this long.
constexpr absl::Duration kSettle = absl::Seconds(1);
// How often the folder is looked at without a change notice.
constexpr absl::Duration kRescan = absl::Seconds(2);
// A list's image whose registry does not answer is tried again after this,
// doubled each time up to kMostBackoff, give or take a fifth.
constexpr absl::Duration kFirstBackoff = absl::Seconds(1);
constexpr absl::Duration kMostBackoff = absl::Minutes(1);

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

copy::ImportOptions Preloader::ImportOptions() const {
  copy::ImportOptions options;
  options.containerd_address = options_.containerd_address;
  options.containerd_namespace = options_.ns;
  options.plugin_address = options_.plugin_address;
  options.snapshotter = options_.snapshotter;
  options.unpack = !options_.snapshotter.empty();
  options.pin = options_.pin;
  return options;
}

void Preloader::SaveJournal() {
  if (absl::Status s = journal_->Save(); !s.ok())
    log::Warn("preload: %s", s.message());
}

void Preloader::Count(absl::string_view outcome) {
  if (options_.metrics != nullptr)
    options_.metrics->CountOutcome("preload", outcome);
}

void Preloader::Unpin(const JournalEntry& entry) {
  if (!options_.pin || !entry.ok) return;
  std::set<std::string> held;
  const std::string key = PreloadJournal::Key(entry.path, entry.reference);
  for (const auto& [other_key, other] : journal_->entries()) {
    if (other_key != key && other.ok)
      held.insert(other.records.begin(), other.records.end());
  }
  std::vector<std::string> drop;
  for (const std::string& record : entry.records)
    if (!held.count(record)) drop.push_back(record);
  SetPinned(*connection_, drop, false);
}

void Preloader::ReconcileAtStart() {
  // The references each list holds now.
  std::map<std::string, std::set<std::string>> listed;
  auto still_listed = [&](const JournalEntry& e) {
    auto [it, fresh] = listed.try_emplace(e.path);
    if (fresh) {
      std::ifstream in(e.path, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), {});
      for (const ListedImage& image : ParsePreloadList(e.path, text).images)
        it->second.insert(image.reference);
    }
    return it->second.count(e.reference) > 0;
  };
  // Records several entries share (an image's ID, its repo digest) stay
  // pinned while any entry that made them is still there.
  std::set<std::string> keep, drop;
  int gone = 0;
  for (auto it = journal_->entries().begin();
       it != journal_->entries().end();) {
    const JournalEntry& e = it->second;
    auto now = Stat(e.path);
    const bool still_there =
        now.ok() &&
        (e.reference.empty() ? now->SameStat(e.version) : still_listed(e));
    if (e.ok) {
      (still_there ? keep : drop).insert(e.records.begin(), e.records.end());
    }
    if (!now.ok() || (!e.reference.empty() && !still_there)) {
      it = journal_->entries().erase(it);
      ++gone;
    } else {
      ++it;
    }
  }
  for (const std::string& record : keep) drop.erase(record);
  int repinned = 0, unpinned = 0;
  if (options_.pin) {
    repinned = SetPinned(*connection_, {keep.begin(), keep.end()}, true);
    unpinned = SetPinned(*connection_, {drop.begin(), drop.end()}, false);
  }
  if (gone > 0) SaveJournal();
  if (repinned + unpinned + gone > 0) {
    log::Info(
        "preload of %s: %d records pinned again, %d unpinned; %d archives "
        "or listed images left the folder",
        options_.dir, repinned, unpinned, gone);
  }
}

bool Preloader::Settled(const std::string& path, const FileVersion& version,
                        absl::Time now) {
  // Taken once written: its time is kSettle old, or it has kept its size
  // and time for kSettle.
  auto [it, fresh] = settling_.try_emplace(path, version, now);
  if (!fresh && !it->second.first.SameStat(version)) {
    it->second = {version, now};
  }
  if (now - absl::FromUnixNanos(version.mtime_ns) < kSettle &&
      now - it->second.second < kSettle) {
    return false;
  }
  settling_.erase(path);
  return true;
}

bool Preloader::TakeArchive(const std::string& path, FileVersion version) {
  auto done = journal_->entries().find(path);
  if (done != journal_->entries().end() &&
      done->second.version.SameStat(version)) {
    if (first_pass_ && counted_.insert(path).second) {
      (done->second.ok ? skipped_ : failed_before_)++;
    }
    return true;
  }
  if (!Settled(path, version, absl::Now())) return false;
  auto digest = FileDigest(path);
  if (!digest.ok()) return true;  // gone meanwhile
  version.digest = *digest;
  if (done != journal_->entries().end() &&
      done->second.version.digest == *digest) {
    // Touched, not changed.
    done->second.version = version;
    SaveJournal();
    return true;
  }

  auto result = copy::ImportArchive(path, ImportOptions());
  if (!result.ok() && Transient(result.status())) {
    if (told_transient_.insert(path).second) {
      log::Warn("preload of %s waits (tried again): %s", path,
                result.status().message());
    }
    return false;
  }
  told_transient_.erase(path);
  JournalEntry entry;
  entry.path = path;
  entry.version = version;
  if (!result.ok()) {
    log::Error("preload of %s failed (tried again once the file changes): %s",
               path, result.status().message());
    entry.error = std::string(result.status().message());
    Count("failed");
    if (counted_.insert(path).second) ++failed_;
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
    if (counted_.insert(path).second) ++imported_;
    Count("imported");
  }
  journal_->Put(std::move(entry));
  SaveJournal();
  return true;
}

void Preloader::TakeList(const std::string& path, const FileVersion* version) {
  PreloadList list;
  FileVersion read;
  if (version != nullptr) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    read = *version;
    read.digest = oci::Digester::Of(text).str();
    list = ParsePreloadList(path, text);
    lists_[path] = read;
    for (const std::string& problem : list.problems)
      log::Error("preload: %s", problem);
  } else {
    lists_.erase(path);
  }
  std::set<std::string> listed;
  for (const ListedImage& image : list.images) listed.insert(image.reference);

  // Lines that went: their images are unpinned and forgotten.
  bool changed = false;
  for (auto it = journal_->entries().begin();
       it != journal_->entries().end();) {
    const JournalEntry& e = it->second;
    if (e.path != path || e.reference.empty() || listed.count(e.reference)) {
      ++it;
      continue;
    }
    JournalEntry gone = e;
    it = journal_->entries().erase(it);
    Unpin(gone);
    log::Info("preload: %s no longer lists %s%s", path, gone.reference,
              gone.ok && options_.pin ? "; unpinned" : "");
    changed = true;
  }
  for (auto it = pulls_.begin(); it != pulls_.end();) {
    if (it->second.list == path && !listed.count(it->second.image.reference)) {
      it = pulls_.erase(it);
    } else {
      ++it;
    }
  }
  if (changed) SaveJournal();

  // Lines not pulled yet, and lines that failed before the list changed.
  const absl::Time now = absl::Now();
  for (const ListedImage& image : list.images) {
    const std::string key = PreloadJournal::Key(path, image.reference);
    auto done = journal_->entries().find(key);
    if (done != journal_->entries().end() &&
        (done->second.ok || done->second.version.digest == read.digest)) {
      continue;
    }
    auto [pull, fresh] = pulls_.try_emplace(key);
    pull->second.list = path;
    pull->second.image = image;
    pull->second.list_version = read;
    if (fresh) {
      pull->second.next = now;
      pull->second.backoff = kFirstBackoff;
    }
  }
}

absl::Time Preloader::PullDue() {
  static thread_local std::minstd_rand jitter(std::random_device{}());
  absl::Time next = absl::InfiniteFuture();
  for (auto it = pulls_.begin(); it != pulls_.end();) {
    if (stop_.HasBeenNotified()) break;
    Pull& pull = it->second;
    const absl::Time now = absl::Now();
    if (pull.next > now) {
      next = std::min(next, pull.next);
      ++it;
      continue;
    }
    const std::string& reference = pull.image.reference;
    const std::string where =
        absl::StrCat(pull.list, ":", pull.image.line, ": ", reference);
    // One attempt per request: the backoff here, not the client's, spaces
    // the tries, so the other lines are not held up.
    registry::RegistryOptions registry = options_.registry;
    registry.attempts = 1;
    copy::ImportOptions options = ImportOptions();
    options.keep_index = pull.image.keep_index;
    absl::StatusOr<copy::ImportedImage> result;
    auto source = registry::OpenRegistryImage(reference, registry);
    if (source.ok()) {
      result = copy::ImportImage(**source, options);
    } else {
      result = source.status();
    }
    if (!result.ok() && Transient(result.status())) {
      if (!pull.told) {
        log::Warn("preload: %s waits (tried again, backing off up to %s): %s",
                  where, absl::FormatDuration(kMostBackoff),
                  result.status().message());
        pull.told = true;
      } else {
        log::Debug("preload: %s tried again in %s: %s", where,
                   absl::FormatDuration(pull.backoff),
                   result.status().message());
      }
      std::uniform_real_distribution<double> fifth(0.8, 1.2);
      pull.next = now + pull.backoff * fifth(jitter);
      pull.backoff = std::min(pull.backoff * 2, kMostBackoff);
      next = std::min(next, pull.next);
      Count("pull_retried");
      ++it;
      continue;
    }
    JournalEntry entry;
    entry.path = pull.list;
    entry.reference = reference;
    entry.version = pull.list_version;
    if (!result.ok()) {
      log::Error("preload: %s failed (tried again once the list changes): %s",
                 where, result.status().message());
      entry.error = std::string(result.status().message());
      Count("pull_failed");
    } else {
      entry.ok = true;
      entry.records = result->records;
      log::Info("preload: %s pulled as %s", where,
                absl::StrJoin(result->records, ", "));
      for (const std::string& warning : result->warnings)
        log::Warn("preload: %s", warning);
      Count("pulled");
    }
    journal_->Put(std::move(entry));
    SaveJournal();
    it = pulls_.erase(it);
  }
  return next;
}

void Preloader::Run() {
  std::unique_ptr<FolderWatch> watch = FolderWatch::Open(options_.dir);

  // containerd must answer before anything can be imported.
  bool told = false;
  while (!stop_.HasBeenNotified()) {
    auto dialed = containerd::Connection::Dial(options_.containerd_address,
                                               options_.ns, absl::Seconds(1));
    if (dialed.ok()) {
      connection_ = std::move(*dialed);
      break;
    }
    if (!told) {
      log::Info("preload of %s waits for containerd: %s", options_.dir,
                dialed.status().message());
      told = true;
    }
    stop_.WaitForNotificationWithTimeout(kRetry);
  }
  if (connection_ == nullptr) return;

  journal_ = std::make_unique<PreloadJournal>(options_.journal);
  journal_->Load();
  ReconcileAtStart();

  while (!stop_.HasBeenNotified()) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
      if (entry.is_regular_file(ec)) files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    bool waiting = false;  // some file has yet to settle
    std::set<std::string> lists_seen;
    for (const std::string& path : files) {
      if (stop_.HasBeenNotified()) break;
      const std::string name = fs::path(path).filename().string();
      auto version = Stat(path);
      if (!version.ok()) continue;  // gone meanwhile
      if (absl::EndsWith(name, ".txt")) {
        lists_seen.insert(path);
        auto read = lists_.find(path);
        if (read != lists_.end() && read->second.SameStat(*version)) continue;
        if (!Settled(path, *version, absl::Now())) {
          waiting = true;
          continue;
        }
        TakeList(path, &*version);
        continue;
      }
      if (IsArchive(name) && !TakeArchive(path, *version)) waiting = true;
    }
    // Lists that left the folder.
    std::vector<std::string> gone;
    for (const auto& [path, version] : lists_)
      if (!lists_seen.count(path)) gone.push_back(path);
    for (const std::string& path : gone) TakeList(path, nullptr);

    const absl::Time next_pull = PullDue();
    // The first pass ends once nothing in the folder is still being
    // written.
    if (first_pass_ && !waiting) {
      log::Info(
          "preload of %s: %d imported, %d already done, %d failed, %d failed "
          "before and unchanged; %d listed images to pull; watching for more",
          options_.dir, imported_, skipped_, failed_, failed_before_,
          static_cast<int>(pulls_.size()));
      first_pass_ = false;
    }
    absl::Duration wait = waiting ? kSettle / 2 : kRescan;
    if (next_pull != absl::InfiniteFuture())
      wait = std::max(absl::ZeroDuration(),
                      std::min(wait, next_pull - absl::Now()));
    watch->Wait(wait);
  }
}

}  // namespace hpc::inject
