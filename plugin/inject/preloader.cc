#include "plugin/inject/preloader.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/containerd/connection.h"
#include "importer/copy/import_archive.h"
#include "importer/log/log.h"
#include "importer/oci/digester.h"

namespace hpc::inject {

namespace {

constexpr absl::Duration kRetry = absl::Milliseconds(100);

// "<size> <mtime ns> <sha256>" of an archive: what the journal records.
absl::StatusOr<std::string> ArchiveKey(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto modified = std::filesystem::last_write_time(path, ec);
  if (ec) return absl::NotFoundError(absl::StrCat("stat ", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  oci::Digester digester;
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    digester.Update(
        absl::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  const int64_t mtime =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::file_clock::to_sys(modified).time_since_epoch())
          .count();
  return absl::StrCat(size, " ", mtime, " ", digester.Current().str());
}

std::set<std::string> ReadJournal(const std::string& journal) {
  std::set<std::string> done;
  std::ifstream in(journal);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) done.insert(line);
  }
  return done;
}

absl::Status AppendJournal(const std::string& journal,
                           const std::string& line) {
  std::ofstream out(journal, std::ios::app);
  out << line << "\n";
  out.flush();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", journal));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Preloader>> Preloader::Start(
    PreloadOptions options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(options.dir, ec)) {
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
  std::vector<std::string> archives;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(options_.dir, ec)) {
    if (entry.is_regular_file(ec)) archives.push_back(entry.path().string());
  }
  std::sort(archives.begin(), archives.end());

  // containerd must answer before anything can be imported.
  bool told = false;
  while (!stop_.HasBeenNotified()) {
    auto connection = containerd::Connection::Dial(
        options_.containerd_address, options_.ns, absl::Seconds(1));
    if (connection.ok()) break;
    if (!told) {
      log::Info("preload of %s waits for containerd: %s", options_.dir,
                connection.status().message());
      told = true;
    }
    stop_.WaitForNotificationWithTimeout(kRetry);
  }

  std::set<std::string> done = ReadJournal(options_.journal);
  int imported = 0, skipped = 0, failed = 0;
  for (const std::string& path : archives) {
    if (stop_.HasBeenNotified()) break;
    auto key = ArchiveKey(path);
    if (!key.ok()) {
      log::Warn("preload: %s", key.status().message());
      ++failed;
      continue;
    }
    const std::string line = absl::StrCat(*key, " ", path);
    if (done.count(line)) {
      ++skipped;
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
    if (!result.ok()) {
      log::Error("preload of %s failed (tried again at the next start): %s",
                 path, result.status().message());
      ++failed;
      continue;
    }
    for (const auto& image : *result) {
      log::Info("preloaded %s as %s", image.archive,
                absl::StrJoin(image.records, ", "));
      for (const std::string& warning : image.warnings)
        log::Warn("preload: %s", warning);
    }
    if (absl::Status s = AppendJournal(options_.journal, line); !s.ok()) {
      log::Warn("preload: %s", s.message());
    }
    ++imported;
  }
  log::Info("preload of %s: %d imported, %d already done, %d failed",
            options_.dir, imported, skipped, failed);
}

}  // namespace hpc::inject
