#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/dockerfile/dockerignore.h"
#include "importer/dockerfile/path_pattern.h"
#include "importer/dockerfile/windows_path.h"

namespace hpc::dockerfile {
namespace {

using ::testing::HasSubstr;

std::string Resolve(const char* path, const char* workdir = "/") {
  auto r = ResolveImagePath(path, workdir);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status();
  return r.ok() ? *r : "";
}

TEST(WindowsPathTest, ResolvesTheWaysDockerfilesWritePaths) {
  EXPECT_EQ(Resolve("C:\\app\\x.ps1"), "/app/x.ps1");
  EXPECT_EQ(Resolve("c:/app"), "/app");
  EXPECT_EQ(Resolve("\\app\\"), "/app");
  EXPECT_EQ(Resolve("x.ps1", "/app"), "/app/x.ps1");
  EXPECT_EQ(Resolve(".", "/app"), "/app");
  EXPECT_EQ(Resolve("C:sub", "/app"), "/app/sub");
  EXPECT_EQ(Resolve("..\\..\\..\\x", "/app"), "/x");
  EXPECT_EQ(Resolve("C:\\"), "/");
  EXPECT_EQ(LayerPath("/app/x.ps1"), "Files/app/x.ps1");
  EXPECT_EQ(LayerPath("/"), "Files");
  EXPECT_EQ(WindowsPath("/app/x"), "C:\\app\\x");
  EXPECT_EQ(WindowsPath("/"), "C:\\");
  EXPECT_TRUE(EndsWithSeparator("C:\\app\\"));
  EXPECT_TRUE(EndsWithSeparator("app/"));
  EXPECT_FALSE(EndsWithSeparator("app"));
}

TEST(WindowsPathTest, RefusesOtherDrivesAndBadNames) {
  auto d = ResolveImagePath("D:\\data", "/");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("only drive C:"));
  EXPECT_FALSE(ResolveImagePath("C:\\a|b", "/").ok());
  EXPECT_FALSE(ResolveImagePath("C:\\a\\b:c", "/").ok());
}

TEST(PathPatternTest, GlobsLikeDocker) {
  EXPECT_TRUE(PathMatch("*.ps1", "run.ps1"));
  EXPECT_FALSE(PathMatch("*.ps1", "dir/run.ps1"));
  EXPECT_TRUE(PathMatch("dir/*.ps1", "dir/run.ps1"));
  EXPECT_TRUE(PathMatch("**/*.ps1", "a/b/run.ps1"));
  EXPECT_TRUE(PathMatch("**/*.ps1", "run.ps1"));
  EXPECT_TRUE(PathMatch("r?n.ps1", "run.ps1"));
  EXPECT_TRUE(PathMatch("[a-r]un.ps1", "run.ps1"));
  EXPECT_FALSE(PathMatch("[^r]un.ps1", "run.ps1"));
  EXPECT_TRUE(PathMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(PathMatch("a*b*c", "aXXbYY"));
  EXPECT_TRUE(HasGlob("*.txt"));
  EXPECT_FALSE(HasGlob("a.txt"));
}

TEST(DockerIgnoreTest, LastMatchWinsAndParentsCount) {
  DockerIgnore ignore = DockerIgnore::Parse(
      "# comment\n"
      "*.log\n"
      "secrets\n"
      "build/**\n"
      "!build/keep.txt\n"
      "/tmp/\n");
  EXPECT_TRUE(ignore.Excluded("app.log"));
  EXPECT_FALSE(ignore.Excluded("dir/app.log"));  // * stays in its directory
  EXPECT_TRUE(ignore.Excluded("secrets"));
  EXPECT_TRUE(ignore.Excluded("secrets/key.pem"));
  EXPECT_TRUE(ignore.Excluded("build/out.bin"));
  EXPECT_FALSE(ignore.Excluded("build/keep.txt"));
  EXPECT_TRUE(ignore.Excluded("tmp/x"));
  EXPECT_FALSE(ignore.Excluded("run.ps1"));
}

}  // namespace
}  // namespace hpc::dockerfile
