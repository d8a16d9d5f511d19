// hpcimg import into a real containerd, on its built-in store and on the
// plugin: archives made by skopeo and umoci, indexes rewritten to one
// manifest, unpacked; bad archives leave nothing behind.
#include <chrono>
#include <filesystem>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/containerd_env.h"
#include "tests/testing/test_data.h"

namespace hpc::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kHpcimg = HPC_BIN_DIR "/hpcimg";

class ImportTest : public ContainerdEnvTest {
 protected:
  void SetUp() override {
    ContainerdEnvTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    layout_ = env_->dir() + "/layout";
    ASSERT_TRUE(MakeOciImage(layout_, "v1",
                             {{"Files/app/run.ps1", "Write-Output hello\n"},
                              {"Files/app/data.bin", Pattern(2 << 20, 7)}}));
  }
  RunResult Import(std::vector<std::string> args) {
    std::vector<std::string> argv = {kHpcimg, "import", "--address",
                                     env_->address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
  std::string Images() {
    return env_->Ctr({"images", "ls", "-q"}, "k8s.io").output;
  }

  // An OCI archive whose index (unnamed, so the index is the image) lists
  // one Windows and one Linux manifest, each with its platform.
  std::string MakeMultiPlatformArchive() {
    multi_ = env_->dir() + "/multi";
    EXPECT_TRUE(MakeOciImage(multi_, "win", {{"Files/w.txt", "windows"}},
                             "windows", "amd64"));
    EXPECT_TRUE(
        MakeOciImage(multi_, "lin", {{"l.txt", "linux"}}, "linux", "amd64"));
    RunResult set = RunCommand(
        {"sh", "-c",
         "cd " + multi_ +
             " && for d in $(jq -r '.manifests[].digest' index.json); do "
             "c=$(jq -r .config.digest blobs/sha256/${d#sha256:}); "
             "os=$(jq -r .os blobs/sha256/${c#sha256:}); "
             "jq -c --arg d \"$d\" --arg os \"$os\" '.manifests |= map(if "
             ".digest == $d then "
             "(del(.annotations) + {platform: {os: $os, architecture: "
             "\"amd64\"}}) else . end)' "
             "index.json > i && mv i index.json; done"});
    EXPECT_EQ(set.exit_code, 0) << set.output;
    std::string archive = env_->dir() + "/multi.tar";
    EXPECT_EQ(RunCommand({"tar", "-C", multi_, "-cf", archive, "."}).exit_code,
              0);
    return archive;
  }
  // The first diff ID of the config of the layout's manifest for `os`.
  std::string DiffIdOf(const std::string& os) {
    return RunCommand(
               {"sh", "-c",
                "cd " + multi_ +
                    " && d=$(jq -r '.manifests[] | select(.platform.os == \"" +
                    os +
                    "\") | .digest' index.json) && "
                    "c=$(jq -r .config.digest blobs/sha256/${d#sha256:}) && "
                    "jq -j '.rootfs.diff_ids[0]' blobs/sha256/${c#sha256:}"})
        .output;
  }

  std::string multi_;

  std::string layout_;
};

TEST_P(ImportTest, DockerAndOciArchivesUnpackedAndMountable) {
  const std::string docker = env_->dir() + "/docker.tar";
  const std::string oci = env_->dir() + "/oci.tar";
  ASSERT_EQ(RunCommand({"skopeo", "copy", "-q", "oci:" + layout_ + ":v1",
                        "docker-archive:" + docker + ":example.com/app:v1"})
                .exit_code,
            0);
  ASSERT_EQ(RunCommand({"skopeo", "copy", "-q", "oci:" + layout_ + ":v1",
                        "oci-archive:" + oci + ":v2"})
                .exit_code,
            0);
  RunResult first = Import({"--json", docker});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("\"changed\": true"));
  // Again: nothing changes, no lease is left.
  RunResult again = Import({"--json", docker});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("\"changed\": false"));
  EXPECT_THAT(again.output, HasSubstr("\"blobsWritten\": 0"));
  EXPECT_EQ(env_->Ctr({"leases", "ls", "-q"}, "k8s.io").output, "");

  RunResult second = Import({"--name", "example.com/app:v2", oci});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(Images(), HasSubstr("example.com/app:v1"));
  EXPECT_THAT(Images(), HasSubstr("example.com/app:v2"));
  const std::vector<std::string> pinned_filter = {
      "images", "ls", "-q", "labels.\"io.cri-containerd.pinned\"==pinned"};
  EXPECT_EQ(env_->Ctr(pinned_filter, "k8s.io").output, "")
      << "nothing is pinned unless asked";
  // --pin: the named record and the image's repo-digest and ID records,
  // which it shares with v1 and v2.
  RunResult pin = Import({"--pin", "--name", "example.com/app:pinned", oci});
  ASSERT_EQ(pin.exit_code, 0) << pin.output;
  std::string pinned = env_->Ctr(pinned_filter, "k8s.io").output;
  EXPECT_THAT(pinned, HasSubstr("example.com/app:pinned\n"));
  EXPECT_THAT(pinned, HasSubstr("example.com/app@sha256:"));
  EXPECT_THAT(pinned, HasSubstr("\nsha256:"));
  EXPECT_THAT(pinned, Not(HasSubstr("example.com/app:v1")));

  RunResult check = env_->Ctr({"images", "check"}, "k8s.io");
  EXPECT_THAT(check.output, Not(HasSubstr("incomplete")));
  EXPECT_THAT(check.output, HasSubstr("true")) << "unpacked";
  EXPECT_THAT(check.output, Not(HasSubstr("false"))) << check.output;
  EXPECT_THAT(env_->Ctr({"snapshots", "ls"}, "k8s.io").output,
              HasSubstr("Committed"));

  std::string mnt = env_->dir() + "/mnt";
  std::filesystem::create_directories(mnt);
  RunResult mount =
      env_->Ctr({"images", "mount", "example.com/app:v1", mnt}, "k8s.io");
  ASSERT_EQ(mount.exit_code, 0) << mount.output;
  EXPECT_EQ(ReadFileOrDie(mnt + "/Files/app/run.ps1"), "Write-Output hello\n");
  EXPECT_EQ(ReadFileOrDie(mnt + "/Files/app/data.bin"), Pattern(2 << 20, 7));
  EXPECT_EQ(env_->Ctr({"images", "unmount", "--rm", mnt}, "k8s.io").exit_code,
            0);
}

TEST_P(ImportTest, IndexBecomesPlatformlessManifest) {
  std::string archive = MakeMultiPlatformArchive();
  RunResult r = Import({"--json", "--name", "example.com/multi:v1", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("replaced by its manifest"));
  EXPECT_THAT(r.output, HasSubstr("windows/amd64"));
  RunResult ls = env_->Ctr({"images", "ls"}, "k8s.io");
  EXPECT_THAT(ls.output,
              HasSubstr("application/vnd.oci.image.manifest.v1+json"));
  EXPECT_THAT(ls.output, Not(HasSubstr("index")));

  // The same rewrite offline, archive to archive.
  RunResult offline =
      RunCommand({kHpcimg, "copy", "oci-archive:" + archive,
                  "oci-archive:" + env_->dir() + "/single.tar"});
  ASSERT_EQ(offline.exit_code, 0) << offline.output;
  RunResult single = RunCommand({kHpcimg, "inspect", "--json",
                                 "oci-archive:" + env_->dir() + "/single.tar"});
  EXPECT_THAT(single.output, HasSubstr("\"kind\": \"manifest\""));

  RunResult linux = Import({"--platform", "linux/amd64", "--name",
                            "example.com/multi:linux", "--no-unpack", archive});
  EXPECT_EQ(linux.exit_code, 0) << linux.output;
  RunResult none =
      Import({"--platform", "linux/arm64", "--name", "x:y", archive});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.output, HasSubstr("no manifest for linux/arm64"));
}

// --keep-index registers the index as it is and unpacks the manifest the
// rewrite would have chosen (or --platform names), as ctr images import
// unpacks the platform it is given.
TEST_P(ImportTest, KeptIndexIsRegisteredAndItsManifestUnpacked) {
  std::string archive = MakeMultiPlatformArchive();
  const std::string windows_chain = DiffIdOf("windows");
  const std::string linux_chain = DiffIdOf("linux");
  ASSERT_THAT(windows_chain, HasSubstr("sha256:"));
  ASSERT_NE(windows_chain, linux_chain);

  RunResult r = Import(
      {"--json", "--keep-index", "--name", "example.com/multi:kept", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("\"chainID\": \"" + windows_chain + "\""));
  EXPECT_THAT(r.output, HasSubstr("index kept; unpacking its manifest"));
  RunResult ls = env_->Ctr({"images", "ls"}, "k8s.io");
  EXPECT_THAT(ls.output,
              AllOf(HasSubstr("example.com/multi:kept"),
                    HasSubstr("application/vnd.oci.image.index.v1+json")));
  std::string snapshots = env_->Ctr({"snapshots", "ls"}, "k8s.io").output;
  EXPECT_THAT(snapshots, HasSubstr(windows_chain));
  EXPECT_THAT(snapshots, Not(HasSubstr(linux_chain)));

  // --platform picks the other one.
  RunResult linux =
      Import({"--json", "--keep-index", "--platform", "linux/amd64", "--name",
              "example.com/multi:lin", archive});
  ASSERT_EQ(linux.exit_code, 0) << linux.output;
  EXPECT_THAT(linux.output, HasSubstr("\"chainID\": \"" + linux_chain + "\""));
  EXPECT_THAT(env_->Ctr({"snapshots", "ls"}, "k8s.io").output,
              HasSubstr(linux_chain));

  // A choice that cannot be made is an error before anything is written.
  RunResult none = Import({"--keep-index", "--platform", "linux/arm64",
                           "--name", "example.com/multi:none", archive});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.output, AllOf(HasSubstr("no manifest for linux/arm64"),
                                 HasSubstr("--no-unpack")));
  EXPECT_THAT(Images(), Not(HasSubstr("example.com/multi:none")));
  EXPECT_EQ(env_->Ctr({"leases", "ls", "-q"}, "k8s.io").output, "");
}

// hpcimg import - reads the archive from standard input, as ctr images
// import - does; it is spooled to a private file that goes afterwards.
TEST_P(ImportTest, ArchiveFromStandardInput) {
  const std::string tmp = env_->dir() + "/tmp";
  std::filesystem::create_directories(tmp);
  const std::string import = "TMPDIR=" + tmp + " " + kHpcimg +
                             " import --address " + env_->address() + " ";
  RunResult piped = RunCommand(
      {"sh", "-c",
       "skopeo copy -q oci:" + layout_ +
           ":v1 docker-archive:/dev/stdout:example.com/app:stdin | " + import +
           "--json -"});
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_THAT(piped.output, HasSubstr("\"archive\": \"docker-archive:-"));
  EXPECT_THAT(Images(), HasSubstr("example.com/app:stdin"));
  RunResult check = env_->Ctr({"images", "check"}, "k8s.io");
  EXPECT_THAT(check.output, HasSubstr("true")) << check.output;
  EXPECT_TRUE(std::filesystem::is_empty(tmp)) << "the spool is removed";

  // Empty and broken input: named as -, nothing left behind.
  RunResult empty = RunCommand({"sh", "-c", import + "- </dev/null"});
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_THAT(empty.output, HasSubstr("standard input is empty"));
  RunResult broken =
      RunCommand({"sh", "-c", "head -c 5000 /dev/urandom | " + import + "-"});
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_THAT(broken.output, HasSubstr("hpcimg: "));
  EXPECT_THAT(broken.output, Not(HasSubstr(tmp)));
  RunResult twice = RunCommand({"sh", "-c", import + "- - </dev/null"});
  EXPECT_EQ(twice.exit_code, 2) << twice.output;
  EXPECT_THAT(twice.output, HasSubstr("only once"));
  EXPECT_TRUE(std::filesystem::is_empty(tmp)) << "the spool is removed";
  EXPECT_EQ(env_->Ctr({"leases", "ls", "-q"}, "k8s.io").output, "");
}

TEST_P(ImportTest, BadArchivesLeaveNothingBehind) {
  const std::string docker = env_->dir() + "/docker.tar";
  ASSERT_EQ(RunCommand({"skopeo", "copy", "-q", "oci:" + layout_ + ":v1",
                        "docker-archive:" + docker + ":example.com/app:v1"})
                .exit_code,
            0);
  const std::string before = Images();

  // Truncated.
  std::string data = ReadFileOrDie(docker);
  WriteFileOrDie(env_->dir() + "/truncated.tar",
                 data.substr(0, data.size() / 2));
  RunResult truncated = Import({env_->dir() + "/truncated.tar"});
  EXPECT_NE(truncated.exit_code, 0);
  EXPECT_THAT(truncated.output, HasSubstr("truncated.tar"));

  // A layer whose bytes do not match its digest: flip a byte inside the
  // layer's data (the big file), keep the archive well-formed.
  std::string corrupt = data;
  size_t at = corrupt.find(Pattern(2 << 20, 7).substr(4096, 64));
  ASSERT_NE(at, std::string::npos);
  corrupt[at] ^= 0x55;
  WriteFileOrDie(env_->dir() + "/corrupt.tar", corrupt);
  RunResult bad = Import({env_->dir() + "/corrupt.tar"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("corrupt.tar"));

  // Not an archive at all.
  WriteFileOrDie(env_->dir() + "/junk.tar", "junk");
  RunResult junk = Import({env_->dir() + "/junk.tar"});
  EXPECT_EQ(junk.exit_code, 2);

  EXPECT_EQ(Images(), before) << "no image record was left";
  EXPECT_EQ(env_->Ctr({"leases", "ls", "-q"}, "k8s.io").output, "")
      << "no lease was left";
}

INSTANTIATE_FOR_BOTH_STORES(ImportTest);

}  // namespace
}  // namespace hpc::testing

namespace hpc::testing {
namespace {

// --plugin-address: the bytes go straight into the plugin; containerd only
// registers them in the namespace.
TEST(PluginAddressImportTest, BlobsBypassContainerd) {
  REQUIRE_PREREQUISITES();
  ContainerdEnv env(ContentStore::kPlugin);
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  std::string layout = env.dir() + "/layout";
  ASSERT_TRUE(
      MakeOciImage(layout, "v1", {{"Files/big.bin", Pattern(3 << 20, 11)}}));
  std::string archive = env.dir() + "/app.tar";
  ASSERT_EQ(RunCommand({"skopeo", "copy", "-q", "oci:" + layout + ":v1",
                        "docker-archive:" + archive + ":example.com/direct:v1"})
                .exit_code,
            0);
  RunResult r =
      RunCommand({kHpcimg, "import", "--json", "--address", env.address(),
                  "--plugin-address", env.plugin_socket(), archive});
  ASSERT_EQ(r.exit_code, 0) << r.output << env.failure_logs();
  EXPECT_THAT(r.output, HasSubstr("\"blobsToPlugin\": 3"));
  EXPECT_THAT(r.output, HasSubstr("\"blobsRegistered\": 3"));
  EXPECT_THAT(r.output, HasSubstr("\"blobsWritten\": 0"));
  RunResult check = env.Ctr({"images", "check"}, "k8s.io");
  EXPECT_THAT(check.output, HasSubstr("complete (2/2)"));
  EXPECT_THAT(check.output, Not(HasSubstr("false")));
  EXPECT_EQ(ListBlobs(env.blobs_dir()).size(), 3u);
}

}  // namespace
}  // namespace hpc::testing

namespace hpc::testing {
namespace {

// --preload DIR: archives imported at start, unpacked, once; a bad archive
// is logged and does not stop the others. The injected base image is
// unpacked too.
TEST(PreloadTest, ImportsEachArchiveOnceAndUnpacks) {
  REQUIRE_PREREQUISITES();
  TempDir preload;
  ContainerdEnv env(ContentStore::kPlugin,
                    {"--inject-base", "--containerd", "@CONTAINERD@",
                     "--preload", preload.path()});
  std::string layout = env.dir() + "/layout";
  ASSERT_TRUE(MakeOciImage(layout, "v1", {{"Files/p.txt", "preloaded"}}));
  ASSERT_EQ(RunCommand({"skopeo", "copy", "-q", "oci:" + layout + ":v1",
                        "docker-archive:" + preload.Join("a.tar") +
                            ":example.com/pre:a"})
                .exit_code,
            0);
  ASSERT_EQ(RunCommand(
                {"skopeo", "copy", "-q", "oci:" + layout + ":v1",
                 "oci-archive:" + preload.Join("b.tar") + ":example.com/pre:b"})
                .exit_code,
            0);
  WriteFileOrDie(preload.Join("c-broken.tar"), "not an archive");

  ASSERT_TRUE(env.Start()) << env.failure_logs();
  ASSERT_TRUE(env.WaitForPluginLog("2 imported, 0 already done, 1 failed"))
      << env.failure_logs();
  EXPECT_TRUE(env.WaitForPluginLog("c-broken.tar failed"));
  RunResult images = env.Ctr({"images", "ls", "-q"}, "k8s.io");
  EXPECT_THAT(images.output, HasSubstr("example.com/pre:a"));
  EXPECT_THAT(images.output, HasSubstr("example.com/pre:b"));
  RunResult pinned = env.Ctr(
      {"images", "ls", "-q", "labels.\"io.cri-containerd.pinned\"==pinned"},
      "k8s.io");
  EXPECT_THAT(pinned.output, HasSubstr("example.com/pre:a"));
  EXPECT_THAT(pinned.output, HasSubstr("example.com/pre:b"));
  ASSERT_TRUE(env.WaitForPluginLog("base image registered"));
  RunResult check = env.Ctr({"images", "check"}, "k8s.io");
  EXPECT_THAT(check.output, Not(HasSubstr("false")))
      << "everything is unpacked: " << check.output;

  ASSERT_TRUE(env.Stop());
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  // The broken archive failed once and is not tried again until it
  // changes.
  EXPECT_TRUE(env.WaitForPluginLog(
      "0 imported, 2 already done, 0 failed, 1 failed before and unchanged"))
      << env.failure_logs();
}

// While running, the plugin takes archives added to the folder (compressed
// ones too, once completely written); at the next start, what is still
// there is pinned again and what left is unpinned. (*.txt lists:
// preload_list_test.cc.)
TEST(PreloadTest, WatchesTheFolderAndKeepsPinsInStep) {
  REQUIRE_PREREQUISITES();
  TempDir preload;
  ContainerdEnv env(ContentStore::kPlugin, {"--containerd", "@CONTAINERD@",
                                            "--preload", preload.path()});
  auto archive = [&](const std::string& name, const std::string& file,
                     const std::string& to) {
    std::string layout = env.dir() + "/layout-" + name;
    ASSERT_TRUE(MakeOciImage(layout, "v1", {{"Files/" + name, file}}));
    ASSERT_EQ(RunCommand({"skopeo", "copy", "-q", "oci:" + layout + ":v1",
                          "docker-archive:" + to + ":example.com/pre:" + name})
                  .exit_code,
              0);
  };
  archive("kept", "kept", preload.Join("kept.tar"));
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  ASSERT_TRUE(env.WaitForPluginLog("1 imported, 0 already done, 0 failed"))
      << env.failure_logs();

  // Added while running: bzip2-compressed, written slowly by a pipe.
  archive("late", "late", env.dir() + "/late.tar");
  ASSERT_EQ(RunCommand({"sh", "-c",
                        "(head -c 100000 \"$0\"; sleep 1; tail -c +100001 "
                        "\"$0\") | bzip2 >\"$1\"",
                        env.dir() + "/late.tar", preload.Join("late.tar.bz2")})
                .exit_code,
            0);
  ASSERT_TRUE(env.WaitForPluginLog("as example.com/pre:late"))
      << env.failure_logs();
  WriteFileOrDie(preload.Join("junk.tar.lz4"), "not lz4 at all");
  ASSERT_TRUE(env.WaitForPluginLog("junk.tar.lz4 failed"))
      << env.failure_logs();
  const std::vector<std::string> pinned_filter = {
      "images", "ls", "-q", "labels.\"io.cri-containerd.pinned\"==pinned"};
  std::string pinned = env.Ctr(pinned_filter, "k8s.io").output;
  EXPECT_THAT(pinned, HasSubstr("example.com/pre:kept\n"));
  EXPECT_THAT(pinned, HasSubstr("example.com/pre:late\n"));
  // Someone takes the pin off kept; late leaves the folder.
  ASSERT_EQ(env.Ctr({"images", "label", "example.com/pre:kept",
                     "io.cri-containerd.pinned="},
                    "k8s.io")
                .exit_code,
            0);
  ASSERT_TRUE(env.Stop());
  std::filesystem::remove(preload.Join("late.tar.bz2"));

  ASSERT_TRUE(env.Start()) << env.failure_logs();
  ASSERT_TRUE(env.WaitForPluginLog(
      "0 imported, 1 already done, 0 failed, 1 failed before and unchanged"))
      << env.failure_logs();
  EXPECT_TRUE(env.WaitForPluginLog("1 archives or listed images left the folder"));
  pinned = env.Ctr(pinned_filter, "k8s.io").output;
  EXPECT_THAT(pinned, HasSubstr("example.com/pre:kept\n"));
  EXPECT_THAT(pinned, Not(HasSubstr("example.com/pre:late")));
  EXPECT_THAT(env.Ctr({"images", "ls", "-q"}, "k8s.io").output,
              HasSubstr("example.com/pre:late\n"))
      << "unpinned, not removed";
  std::string journal = ReadFileOrDie(env.plugin_root() + "/preload.journal");
  EXPECT_THAT(journal, HasSubstr("kept.tar"));
  EXPECT_THAT(journal, Not(HasSubstr("late.tar.bz2")));
  EXPECT_THAT(journal, HasSubstr("failed\t"));
}

// --preload with --no-unpack: registered, complete, and not unpacked.
TEST(PreloadTest, NoUnpackRegistersWithoutUnpacking) {
  REQUIRE_PREREQUISITES();
  TempDir preload;
  ContainerdEnv env(ContentStore::kPlugin,
                    {"--containerd", "@CONTAINERD@", "--preload",
                     preload.path(), "--no-unpack"});
  std::string layout = env.dir() + "/layout";
  ASSERT_TRUE(MakeOciImage(layout, "v1", {{"Files/p.txt", "preloaded"}}));
  ASSERT_EQ(RunCommand({"skopeo", "copy", "-q", "oci:" + layout + ":v1",
                        "docker-archive:" + preload.Join("a.tar") +
                            ":example.com/pre:packed"})
                .exit_code,
            0);
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  ASSERT_TRUE(env.WaitForPluginLog("1 imported")) << env.failure_logs();
  RunResult check = env.Ctr({"images", "check"}, "k8s.io");
  EXPECT_THAT(check.output, HasSubstr("example.com/pre:packed"));
  EXPECT_THAT(check.output, HasSubstr("complete"));
  EXPECT_THAT(check.output, HasSubstr("false"))
      << "registered, not unpacked: " << check.output;
  EXPECT_THAT(check.output, Not(HasSubstr("incomplete")));
}

}  // namespace
}  // namespace hpc::testing

namespace hpc::testing {
namespace {

class ArchiveFormatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_PREREQUISITES();
    env_ = std::make_unique<ContainerdEnv>(ContentStore::kPlugin);
    ASSERT_TRUE(env_->Start()) << env_->failure_logs();
  }
  RunResult Import(std::vector<std::string> args) {
    std::vector<std::string> argv = {kHpcimg, "import", "--address",
                                     env_->address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
  std::unique_ptr<ContainerdEnv> env_;
};

// The layout the upstream PowerShell script writes: <id>/VERSION, <id>/json,
// <id>/layer.tar, <config>.json and a manifest.json without RepoTags.
TEST_F(ArchiveFormatsTest, LegacyLayoutOfTheUpstreamScript) {
  std::string root = env_->dir() + "/legacy";
  std::string files = env_->dir() + "/files";
  std::filesystem::create_directories(files + "/Files");
  WriteFileOrDie(files + "/Files/License.txt", "license");
  std::string layer = env_->dir() + "/layer.tar";
  ASSERT_EQ(RunCommand({"tar", "--sort=name", "--owner=0", "--group=0", "-C",
                        files, "-cf", layer, "Files"})
                .exit_code,
            0);
  const std::string diff_id = DigestOf(ReadFileOrDie(layer));
  const std::string id = diff_id.substr(7);
  std::filesystem::create_directories(root + "/" + id);
  std::filesystem::copy_file(layer, root + "/" + id + "/layer.tar");
  WriteFileOrDie(root + "/" + id + "/VERSION", "1.0");
  WriteFileOrDie(root + "/" + id + "/json", "{\"id\":\"" + id + "\"}");
  const std::string config =
      R"({"architecture":"amd64","os":"windows","config":{"Cmd":["c:\\windows\\system32\\cmd.exe"]},"rootfs":{"type":"layers","diff_ids":[")" +
      diff_id + R"("]}})";
  const std::string config_hex = DigestOf(config).substr(7);
  WriteFileOrDie(root + "/" + config_hex + ".json", config);
  WriteFileOrDie(root + "/manifest.json",
                 R"([{"Config":")" + config_hex +
                     R"(.json","RepoTags":null,"Layers":[")" + id +
                     R"(/layer.tar"]}])");
  std::string archive = env_->dir() + "/legacy.tar";
  ASSERT_EQ(RunCommand({"tar", "-C", root, "-cf", archive, "."}).exit_code, 0);

  // No name: registered under its ID, with a warning.
  RunResult unnamed = Import({archive});
  ASSERT_EQ(unnamed.exit_code, 0) << unnamed.output;
  EXPECT_THAT(unnamed.output,
              HasSubstr("warning: docker-archive:" + archive +
                        " has no name; registered as sha256:" + config_hex));
  RunResult named = Import({"--name", "example.com/legacy:v1", archive});
  ASSERT_EQ(named.exit_code, 0) << named.output;
  RunResult check = env_->Ctr({"images", "check"}, "k8s.io");
  EXPECT_THAT(check.output, HasSubstr("example.com/legacy:v1"));
  EXPECT_THAT(check.output, Not(HasSubstr("false"))) << check.output;
}

// Several images in one archive, and compressed archives.
TEST_F(ArchiveFormatsTest, SeveralImagesAndCompression) {
  std::string layout = env_->dir() + "/layout";
  ASSERT_TRUE(MakeOciImage(layout, "one", {{"Files/1.txt", "one"}}));
  ASSERT_TRUE(MakeOciImage(layout, "two", {{"Files/2.txt", "two"}}));
  // Name them fully, as ctr and hpcimg write OCI archives.
  ASSERT_EQ(RunCommand({"sh", "-c",
                        "cd " + layout +
                            " && jq -c '.manifests |= "
                            "map(.annotations[\"io.containerd.image.name\"] = "
                            "(\"example.com/multi:\" + "
                            ".annotations[\"org.opencontainers.image.ref."
                            "name\"]))' index.json > i && mv i index.json"})
                .exit_code,
            0);
  std::string archive = env_->dir() + "/multi.tar";
  ASSERT_EQ(RunCommand({"tar", "-C", layout, "-cf", archive, "."}).exit_code,
            0);
  ASSERT_EQ(RunCommand({"sh", "-c",
                        "gzip -k " + archive + " && zstd -q -k " + archive})
                .exit_code,
            0);

  RunResult plain = Import({"--json", archive});
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_THAT(env_->Ctr({"images", "ls", "-q"}, "k8s.io").output,
              AllOf(HasSubstr("example.com/multi:one"),
                    HasSubstr("example.com/multi:two")));
  RunResult named = Import({"--name", "x:y", archive});
  EXPECT_EQ(named.exit_code, 2);
  EXPECT_THAT(named.output, HasSubstr("holds 2 images"));

  for (const char* suffix : {".gz", ".zst"}) {
    RunResult r = Import({"--json", archive + suffix});
    ASSERT_EQ(r.exit_code, 0) << suffix << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr("\"changed\": false"))
        << "same images: nothing new";
  }
}

}  // namespace
}  // namespace hpc::testing
