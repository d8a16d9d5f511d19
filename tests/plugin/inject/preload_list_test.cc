#include "plugin/inject/preload_list.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/inject/preload_journal.h"

namespace hpc::inject {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(PreloadListTest, ReadsReferencesAsContainerdNamesThem) {
  PreloadList list = ParsePreloadList("/p/images.txt",
                                      "# the node's images\n"
                                      "\n"
                                      "busybox\n"
                                      "  registry.example:5000/app:v1  \n"
                                      "docker://quay.io/org/tool@sha256:" +
                                          std::string(64, 'a') +
                                          "\n"
                                          "docker.io/library/busybox:latest\n"
                                          "example.com/index:v2 --keep-index\r\n");
  ASSERT_EQ(list.images.size(), 4u);
  EXPECT_EQ(list.images[0].reference, "docker.io/library/busybox:latest");
  EXPECT_EQ(list.images[0].line, 3);
  EXPECT_EQ(list.images[1].reference, "registry.example:5000/app:v1");
  EXPECT_EQ(list.images[2].reference,
            "quay.io/org/tool@sha256:" + std::string(64, 'a'));
  EXPECT_EQ(list.images[3].reference, "example.com/index:v2");
  EXPECT_TRUE(list.images[3].keep_index);
  EXPECT_FALSE(list.images[1].keep_index);
  EXPECT_TRUE(list.problems.empty());
}

TEST(PreloadListTest, NamesTheFileAndLineOfWhatIsNoReference) {
  PreloadList list = ParsePreloadList(
      "/p/images.txt", "ok.example/a:v1\nNot A Reference\nb:v1 --pull\n");
  ASSERT_EQ(list.images.size(), 1u);
  ASSERT_EQ(list.problems.size(), 2u);
  EXPECT_THAT(list.problems[0], HasSubstr("/p/images.txt:2: "));
  EXPECT_THAT(list.problems[0], HasSubstr("Not"));
  EXPECT_THAT(list.problems[1], HasSubstr("/p/images.txt:3: \"--pull\""));
}

TEST(PreloadJournalTest, KeepsListedImagesBesideArchives) {
  const std::string path =
      ::testing::TempDir() + "/preload-journal-test.journal";
  std::filesystem::remove(path);
  PreloadJournal journal(path);
  JournalEntry archive;
  archive.path = "/p/a.tar";
  archive.ok = true;
  archive.version = {10, 20, "sha256:" + std::string(64, '1')};
  archive.records = {"example.com/a:v1", "sha256:abc"};
  journal.Put(archive);
  JournalEntry pulled = archive;
  pulled.path = "/p/list.txt";
  pulled.reference = "example.com/b:v1";
  journal.Put(pulled);
  JournalEntry failed;
  failed.path = "/p/list.txt";
  failed.reference = "example.com/missing:v1";
  failed.version = archive.version;
  failed.error = "no manifest v1\tin missing";
  journal.Put(failed);
  ASSERT_TRUE(journal.Save().ok());

  PreloadJournal read(path);
  read.Load();
  ASSERT_EQ(read.entries().size(), 3u);
  const JournalEntry& b =
      read.entries().at(PreloadJournal::Key("/p/list.txt", "example.com/b:v1"));
  EXPECT_TRUE(b.ok);
  EXPECT_EQ(b.path, "/p/list.txt");
  EXPECT_THAT(b.records, ElementsAre("example.com/a:v1", "sha256:abc"));
  const JournalEntry& m = read.entries().at(
      PreloadJournal::Key("/p/list.txt", "example.com/missing:v1"));
  EXPECT_FALSE(m.ok);
  EXPECT_EQ(m.error, "no manifest v1 in missing");
  EXPECT_EQ(m.version.digest, archive.version.digest);
  EXPECT_TRUE(read.entries().at("/p/a.tar").reference.empty());
}

}  // namespace
}  // namespace hpc::inject
