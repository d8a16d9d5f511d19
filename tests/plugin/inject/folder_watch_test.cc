// Waking on a folder's changes: a file created in a watched folder ends the
// wait well before its timeout; a folder that is not there cannot be
// watched.
#include "plugin/inject/folder_watch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/time/clock.h"

namespace hpc::inject {
namespace {

TEST(FolderWatchTest, CreatedFileEndsTheWait) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("folder_watch_test." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto watch = FolderWatch::TryOpen(dir.string());
  ASSERT_NE(watch, nullptr);
  std::thread writer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    std::ofstream(dir / "containerd.sock") << "x";
  });
  absl::Time start = absl::Now();
  watch->Wait(absl::Seconds(30));
  absl::Duration waited = absl::Now() - start;
  writer.join();
  std::filesystem::remove_all(dir);
  EXPECT_LT(waited, absl::Seconds(20));
}

TEST(FolderWatchTest, MissingFolderCannotBeWatched) {
  EXPECT_EQ(FolderWatch::TryOpen("/nonexistent/folder_watch_test"), nullptr);
}

TEST(FolderWatchTest, OpenFallsBackToATimeout) {
  auto watch = FolderWatch::Open("/nonexistent/folder_watch_test");
  ASSERT_NE(watch, nullptr);
  absl::Time start = absl::Now();
  watch->Wait(absl::Milliseconds(20));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(19));
}

}  // namespace
}  // namespace hpc::inject
