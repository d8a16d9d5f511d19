// hpcimg against a real docker-registry (docker://), with skopeo as the
// peer: pulls of what skopeo pushed and pushes skopeo reads back; plain
// HTTP, HTTPS with a CA of the test's, htpasswd Basic authentication,
// Bearer tokens from a token issuer; a corrupt blob, 429s, 500s and a cut
// connection through a fault-injecting proxy.
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/containerd_env.h"
#include "tests/integration/fault_proxy.h"
#include "tests/integration/registry_env.h"
#include "tests/integration/token_issuer.h"
#include "tests/testing/test_data.h"

namespace hpc::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kHpcimg = HPC_BIN_DIR "/hpcimg";

std::string Sha256Hex(const std::string& data) {
  RunResult r = RunCommand({"sha256sum"}, data);
  return r.output.substr(0, 64);
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_PREREQUISITES();
    layout_ = dir_.Join("layout");
    ASSERT_TRUE(MakeOciImage(layout_, "v1",
                             {{"Files/app/run.ps1", "Write-Output hello\n"},
                              {"Files/app/data.bin", Pattern(10 << 20, 5)}}));
  }

  // Pushes the test image with skopeo to `registry` as hpc/app:v1.
  void Push(Registry& registry,
            std::vector<std::string> flags = {"--dest-tls-verify=false"}) {
    std::vector<std::string> argv = {"skopeo", "copy", "-q"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back("oci:" + layout_ + ":v1");
    argv.push_back("docker://" + registry.host() + "/hpc/app:v1");
    RunResult push = RunCommand(argv);
    ASSERT_EQ(push.exit_code, 0) << push.output << registry.Log();
  }
  RunResult Hpcimg(std::vector<std::string> args,
                   const std::string& stdin_data = "") {
    args.insert(args.begin(), kHpcimg);
    return RunCommand(args, stdin_data);
  }
  // The digest of the manifest skopeo reads at `ref` (docker://…), or
  // skopeo's error.
  std::string SkopeoDigest(const std::string& ref) {
    RunResult raw =
        RunCommand({"skopeo", "inspect", "--raw", "--tls-verify=false", ref});
    if (raw.exit_code != 0) return "skopeo failed: " + raw.output;
    return "sha256:" + Sha256Hex(raw.output);
  }
  // The manifest digest of oci:DIR's only image.
  std::string LayoutDigest(const std::string& dir) {
    auto index = nlohmann::json::parse(ReadFileOrDie(dir + "/index.json"));
    return index["manifests"][0]["digest"].get<std::string>();
  }
  // The digests of the layers of the test image.
  std::vector<std::string> Layers() {
    auto index = nlohmann::json::parse(ReadFileOrDie(layout_ + "/index.json"));
    std::string manifest = index["manifests"][0]["digest"];
    auto m = nlohmann::json::parse(
        ReadFileOrDie(layout_ + "/blobs/sha256/" + manifest.substr(7)));
    std::vector<std::string> out;
    for (const auto& l : m["layers"]) out.push_back(l["digest"]);
    return out;
  }
  // A pull into oci:out:v1 worked and holds the pushed image byte for byte.
  void ExpectPulled(const RunResult& pull, const std::string& out) {
    ASSERT_EQ(pull.exit_code, 0) << pull.output;
    EXPECT_EQ(LayoutDigest(out), LayoutDigest(layout_));
    for (const auto& entry :
         std::filesystem::directory_iterator(out + "/blobs/sha256")) {
      const std::string name = entry.path().filename();
      EXPECT_EQ(ReadFileOrDie(entry.path()),
                ReadFileOrDie(layout_ + "/blobs/sha256/" + name))
          << name;
    }
    for (const std::string& layer : Layers()) {
      EXPECT_TRUE(
          std::filesystem::exists(out + "/blobs/sha256/" + layer.substr(7)))
          << layer;
    }
  }

  TempDir dir_;
  std::string layout_;
};

TEST_F(RegistryTest, PullsWhatSkopeoPushedByteForByte) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  Push(registry);
  const std::string ref = "docker://" + registry.host() + "/hpc/app:v1";
  const std::string out = dir_.Join("out");
  ExpectPulled(Hpcimg({"copy", "--plain-http", ref, "oci:" + out + ":v1"}),
               out);
  // The registry's own manifest digest is the one written.
  EXPECT_EQ(SkopeoDigest(ref), LayoutDigest(out));
  // skopeo reads what hpcimg wrote.
  RunResult back = RunCommand({"skopeo", "inspect", "oci:" + out + ":v1"});
  EXPECT_EQ(back.exit_code, 0) << back.output;
  EXPECT_THAT(back.output, HasSubstr(LayoutDigest(out)));
}

TEST_F(RegistryTest, InspectAndExplainFetchNoLayers) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  Push(registry);
  const std::string ref = "docker://" + registry.host() + "/hpc/app:v1";
  const size_t log_before = registry.Log().size();
  RunResult inspect = Hpcimg({"inspect", "--json", "--plain-http", ref});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_EQ(nlohmann::json::parse(inspect.output)["digest"],
            LayoutDigest(layout_));
  RunResult explain = Hpcimg({"explain", "--plain-http", ref});
  EXPECT_EQ(explain.exit_code, 0) << explain.output;
  EXPECT_THAT(explain.output, HasSubstr("ok"));
  const std::string log = registry.Log().substr(log_before);
  EXPECT_THAT(log, HasSubstr("/v2/hpc/app/manifests/v1"));
  for (const std::string& layer : Layers()) {
    EXPECT_THAT(log, Not(HasSubstr("/blobs/" + layer))) << "layer fetched";
  }
}

TEST_F(RegistryTest, MissingImageNamesTheReferenceAndWritesNothing) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  Push(registry);
  const std::string out = dir_.Join("out");
  RunResult pull =
      Hpcimg({"copy", "--plain-http",
              "docker://" + registry.host() + "/hpc/nothere:v9", "oci:" + out});
  EXPECT_EQ(pull.exit_code, 1) << pull.output;
  EXPECT_THAT(pull.output, AllOf(HasSubstr("hpc/nothere"), HasSubstr("v9"),
                                 HasSubstr(registry.host())));
  EXPECT_FALSE(std::filesystem::exists(out));
  // HTTPS to a registry that speaks HTTP: the error says --plain-http.
  RunResult https =
      Hpcimg({"inspect", "docker://" + registry.host() + "/hpc/app:v1"});
  EXPECT_NE(https.exit_code, 0);
  EXPECT_THAT(https.output, HasSubstr("--plain-http"));
}

TEST_F(RegistryTest, TlsWithTheRegistrysCa) {
  Registry registry({.tls = true});
  ASSERT_TRUE(registry.ok()) << registry.Log();
  Push(registry, {"--dest-cert-dir", registry.cert_dir()});
  const std::string ref = "docker://" + registry.host() + "/hpc/app:v1";
  RunResult untrusted = Hpcimg({"inspect", ref});
  EXPECT_NE(untrusted.exit_code, 0);
  EXPECT_THAT(untrusted.output, AllOf(HasSubstr("TLS"), HasSubstr("--cert-dir"),
                                      HasSubstr("--tls-verify=false")));
  const std::string out = dir_.Join("out");
  ExpectPulled(Hpcimg({"copy", "--cert-dir", registry.cert_dir(), ref,
                       "oci:" + out + ":v1"}),
               out);
  RunResult unverified = Hpcimg({"inspect", "--tls-verify=false", ref});
  EXPECT_EQ(unverified.exit_code, 0) << unverified.output;
  RunResult bad_dir = Hpcimg({"inspect", "--cert-dir", dir_.Join("none"), ref});
  EXPECT_EQ(bad_dir.exit_code, 2) << bad_dir.output;
  EXPECT_THAT(bad_dir.output, HasSubstr(dir_.Join("none")));
}

TEST_F(RegistryTest, BasicAuthFromEveryPlaceCredentialsLive) {
  const std::string password = "s3cret-Pa55";
  Registry registry({.user = "hpc", .password = password});
  ASSERT_TRUE(registry.ok()) << registry.Log();
  Push(registry,
       {"--dest-tls-verify=false", "--dest-creds", "hpc:" + password});
  const std::string ref = "docker://" + registry.host() + "/hpc/app:v1";
  const std::string home = dir_.Join("home");
  std::filesystem::create_directories(home);
  auto run = [&](std::vector<std::string> args,
                 std::vector<std::string> env = {},
                 const std::string& stdin_data = "") {
    std::vector<std::string> argv = {
        "env",         "-u", "DOCKER_CONFIG", "-u", "REGISTRY_AUTH_FILE",
        "HOME=" + home};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(kHpcimg);
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = RunCommand(argv, stdin_data);
    EXPECT_THAT(r.output, Not(HasSubstr(password))) << "secret shown";
    return r;
  };

  RunResult anonymous = run({"inspect", "--plain-http", ref});
  EXPECT_EQ(anonymous.exit_code, 1) << anonymous.output;
  EXPECT_THAT(
      anonymous.output,
      AllOf(HasSubstr("401"), HasSubstr(registry.host()), HasSubstr("--creds"),
            HasSubstr(home + "/.docker/config.json")));
  RunResult wrong =
      run({"inspect", "--plain-http", "--creds", "hpc:nope", ref});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.output, HasSubstr("credentials from --creds were refused"));

  EXPECT_EQ(run({"inspect", "--plain-http", "--creds", "hpc:" + password, ref})
                .exit_code,
            0);
  // The password on stdin, out of the process list.
  RunResult piped = run({"inspect", "--plain-http", "--creds", "hpc", ref}, {},
                        password + "\n");
  EXPECT_EQ(piped.exit_code, 0) << piped.output;

  // ~/.docker/config.json auths.
  const std::string auth =
      RunCommand({"sh", "-c", "printf %s 'hpc:" + password + "' | base64 -w0"})
          .output;
  std::filesystem::create_directories(home + "/.docker");
  WriteFileOrDie(
      home + "/.docker/config.json",
      R"({"auths":{")" + registry.host() + R"(":{"auth":")" + auth + R"("}}})");
  const std::string out = dir_.Join("out");
  ExpectPulled(run({"copy", "--plain-http", ref, "oci:" + out + ":v1"}), out);

  // Blobs redirected to storage on another host: followed, and the
  // registry's credentials are not sent there.
  {
    FaultProxy proxy(registry.host());
    ASSERT_TRUE(proxy.ok());
    const std::string basic =
        "Basic " + RunCommand({"sh", "-c",
                               "printf %s 'hpc:" + password + "' | base64 -w0"})
                       .output;
    proxy.RedirectBlobs(basic);
    WriteFileOrDie(
        home + "/.docker/config.json",
        R"({"auths":{")" + proxy.host() + R"(":{"auth":")" + auth + R"("}}})");
    const std::string redirected = dir_.Join("redirected");
    ExpectPulled(
        run({"copy", "--plain-http", "docker://" + proxy.host() + "/hpc/app:v1",
             "oci:" + redirected + ":v1"}),
        redirected);
    ASSERT_FALSE(proxy.storage_authorizations().empty());
    for (const std::string& sent : proxy.storage_authorizations()) {
      EXPECT_EQ(sent, "") << "credentials went to the blob storage";
    }
  }

  // --authfile and REGISTRY_AUTH_FILE name another file.
  const std::string authfile = dir_.Join("auth.json");
  WriteFileOrDie(authfile, R"({"auths":{")" + registry.host() +
                               R"(":{"auth":")" + auth + R"("}}})");
  std::filesystem::remove(home + "/.docker/config.json");
  EXPECT_EQ(
      run({"inspect", "--plain-http", "--authfile", authfile, ref}).exit_code,
      0);
  EXPECT_EQ(
      run({"inspect", "--plain-http", ref}, {"REGISTRY_AUTH_FILE=" + authfile})
          .exit_code,
      0);

  // credHelpers: a missing helper is named; a working one is used.
  const std::string docker_config = dir_.Join("docker-config");
  std::filesystem::create_directories(docker_config);
  WriteFileOrDie(docker_config + "/config.json",
                 R"({"credHelpers":{")" + registry.host() + R"(":"hpctest"}})");
  RunResult missing =
      run({"inspect", "--plain-http", ref}, {"DOCKER_CONFIG=" + docker_config});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("docker-credential-hpctest"));
  const std::string bin = dir_.Join("bin");
  std::filesystem::create_directories(bin);
  WriteFileOrDie(bin + "/docker-credential-hpctest",
                 "#!/bin/sh\nread server\n[ \"$1\" = get ] || exit 1\n"
                 "echo \"{\\\"ServerURL\\\":\\\"$server\\\",\\\"Username\\\":"
                 "\\\"hpc\\\",\\\"Secret\\\":\\\"" +
                     password + "\\\"}\"\n");
  std::filesystem::permissions(bin + "/docker-credential-hpctest",
                               std::filesystem::perms::owner_all);
  RunResult helped =
      run({"inspect", "--plain-http", ref},
          {"DOCKER_CONFIG=" + docker_config,
           "PATH=" + bin + ":" + std::string(std::getenv("PATH"))});
  EXPECT_EQ(helped.exit_code, 0) << helped.output;
}

TEST_F(RegistryTest, BearerTokensFromTheRegistrysIssuer) {
  Registry registry(
      {.user = "hpc", .password = "t0ken-pass", .token_auth = true});
  ASSERT_TRUE(registry.ok()) << registry.Log();
  Push(registry, {"--dest-tls-verify=false", "--dest-creds", "hpc:t0ken-pass"});
  const std::string ref = "docker://" + registry.host() + "/hpc/app:v1";
  TokenIssuer& issuer = *registry.token_issuer();
  const int before = issuer.tokens_issued();
  const std::string out = dir_.Join("out");
  ExpectPulled(Hpcimg({"copy", "--plain-http", "--creds", "hpc:t0ken-pass", ref,
                       "oci:" + out + ":v1"}),
               out);
  // One token serves the whole pull.
  EXPECT_EQ(issuer.tokens_issued(), before + 1);

  // A token that expires mid-pull (the registry answers 401 to it) is
  // replaced once, and the pull goes on.
  FaultProxy proxy(registry.host());
  ASSERT_TRUE(proxy.ok());
  proxy.Unauthorize("/blobs/" + Layers().front(),
                    "Bearer realm=\"" + issuer.realm() +
                        "\",service=\"hpc-test-registry\",scope=\"repository:"
                        "hpc/app:pull\",error=\"invalid_token\"");
  const int issued = issuer.tokens_issued();
  const std::string renewed = dir_.Join("renewed");
  ExpectPulled(Hpcimg({"copy", "--plain-http", "--creds", "hpc:t0ken-pass",
                       "docker://" + proxy.host() + "/hpc/app:v1",
                       "oci:" + renewed + ":v1"}),
               renewed);
  EXPECT_EQ(proxy.faults_served(), 1);
  EXPECT_EQ(issuer.tokens_issued(), issued + 2) << "first token, then its "
                                                   "replacement";

  RunResult refused =
      Hpcimg({"inspect", "--plain-http", "--creds", "hpc:wrong", ref});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output,
              HasSubstr("credentials from --creds were refused"));
}

TEST_F(RegistryTest, CorruptBlobIsNamedAndNothingIsKept) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  Push(registry);
  const std::string layer = Layers().front();
  const std::string data = registry.BlobDataPath(layer.substr(7));
  std::string bytes = ReadFileOrDie(data);
  bytes[bytes.size() / 2] ^= 0x55;
  std::filesystem::permissions(data, std::filesystem::perms::owner_all);
  WriteFileOrDie(data, bytes);
  const std::string out = dir_.Join("out");
  RunResult pull = Hpcimg({"copy", "--plain-http",
                           "docker://" + registry.host() + "/hpc/app:v1",
                           "oci:" + out + ":v1"});
  EXPECT_EQ(pull.exit_code, 1) << pull.output;
  EXPECT_THAT(pull.output,
              AllOf(HasSubstr(layer), HasSubstr("does not match")));
  EXPECT_FALSE(std::filesystem::exists(out)) << "partial layout left";
}

TEST_F(RegistryTest, PulledIntoContainerdThroughThePluginAndUnpacked) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  Push(registry);
  ContainerdEnv env(ContentStore::kPlugin);
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  RunResult pull = Hpcimg({"copy", "--plain-http", "--address", env.address(),
                           "docker://" + registry.host() + "/hpc/app:v1",
                           "containerd:example.com/app:v1"});
  ASSERT_EQ(pull.exit_code, 0) << pull.output << env.failure_logs();
  EXPECT_THAT(env.Ctr({"images", "ls", "-q"}, "k8s.io").output,
              HasSubstr("example.com/app:v1"));
  const std::string mnt = env.dir() + "/mnt";
  std::filesystem::create_directories(mnt);
  RunResult mount =
      env.Ctr({"images", "mount", "example.com/app:v1", mnt}, "k8s.io");
  ASSERT_EQ(mount.exit_code, 0) << mount.output;
  EXPECT_EQ(ReadFileOrDie(mnt + "/Files/app/run.ps1"), "Write-Output hello\n");
  EXPECT_EQ(ReadFileOrDie(mnt + "/Files/app/data.bin"), Pattern(10 << 20, 5));
  EXPECT_EQ(env.Ctr({"images", "unmount", "--rm", mnt}, "k8s.io").exit_code, 0);
  EXPECT_EQ(env.Ctr({"leases", "ls", "-q"}, "k8s.io").output, "");

  // hpcimg import pulls the same way, under the image's own name.
  RunResult imported =
      Hpcimg({"import", "--json", "--plain-http", "--address", env.address(),
              "docker://" + registry.host() + "/hpc/app:v1"});
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  auto summary = nlohmann::json::parse(imported.output);
  EXPECT_EQ(summary[0]["records"][0], registry.host() + "/hpc/app:v1");
  EXPECT_EQ(summary[0]["blobsWritten"], 0) << "the blobs were there";
  EXPECT_THAT(env.Ctr({"images", "ls", "-q"}, "k8s.io").output,
              HasSubstr(registry.host() + "/hpc/app:v1"));
  EXPECT_THAT(env.Ctr({"images", "check"}, "k8s.io").output,
              Not(HasSubstr("incomplete")));
}

TEST_F(RegistryTest, PushedByHpcimgReadBackBySkopeo) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  const std::string ref = "docker://" + registry.host() + "/hpc/pushed:v1";
  RunResult push = Hpcimg({"copy", "--json", "--plain-http", "--keep-index",
                           "oci:" + layout_ + ":v1", ref});
  ASSERT_EQ(push.exit_code, 0) << push.output << registry.Log();
  auto report = nlohmann::json::parse(push.output);
  EXPECT_EQ(report["digest"], LayoutDigest(layout_));
  EXPECT_EQ(report["blobsWritten"], 1 + Layers().size()) << "config, layers";
  // One layer is over the one-request limit: streamed in a PATCH.
  EXPECT_THAT(registry.Log(),
              HasSubstr("\"PATCH /v2/hpc/pushed/blobs/uploads/"));

  EXPECT_EQ(SkopeoDigest(ref), LayoutDigest(layout_));
  const std::string back = dir_.Join("back");
  RunResult copy = RunCommand({"skopeo", "copy", "-q", "--src-tls-verify=false",
                               ref, "oci:" + back + ":v1"});
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  ExpectPulled({0, ""}, back);

  // Again: every blob is there already (HEAD), only the manifest is put.
  RunResult again = Hpcimg({"copy", "--json", "--plain-http", "--keep-index",
                            "oci:" + layout_ + ":v1", ref});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(nlohmann::json::parse(again.output)["blobsWritten"], 0);

  // Another repository of the same registry mounts the blobs.
  RunResult mount = Hpcimg({"copy", "--json", "--plain-http", ref,
                            "docker://" + registry.host() + "/hpc/other:v2"});
  ASSERT_EQ(mount.exit_code, 0) << mount.output;
  auto mounted = nlohmann::json::parse(mount.output);
  EXPECT_EQ(mounted["blobsMounted"], 1 + Layers().size());
  EXPECT_EQ(mounted["blobsWritten"], 0);
  EXPECT_THAT(registry.Log(), HasSubstr("mount=sha256"));
  EXPECT_EQ(SkopeoDigest("docker://" + registry.host() + "/hpc/other:v2"),
            LayoutDigest(layout_));
}

TEST_F(RegistryTest, RetriesThrough429And500AndResumesACutDownload) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  Push(registry);
  FaultProxy proxy(registry.host());
  ASSERT_TRUE(proxy.ok());
  const std::string big = Layers().front();
  proxy.Fail("GET", "/manifests/v1", 429, 1, /*retry_after=*/1);
  proxy.Fail("GET", "/blobs/", 500, 2);
  proxy.Cut("/blobs/" + big);
  const std::string out = dir_.Join("out");
  ExpectPulled(Hpcimg({"copy", "--plain-http",
                       "docker://" + proxy.host() + "/hpc/app:v1",
                       "oci:" + out + ":v1"}),
               out);
  EXPECT_EQ(proxy.faults_served(), 4);
  ASSERT_EQ(proxy.ranges().size(), 1u) << "the cut download resumed";
  EXPECT_THAT(proxy.ranges()[0], HasSubstr("bytes="));
  EXPECT_NE(proxy.ranges()[0], "bytes=0-");

  // A push through 500s: the failed upload starts over.
  proxy.Fail("PUT", "/blobs/uploads/", 500, 1);
  proxy.Fail("PATCH", "/blobs/uploads/", 503, 1);
  RunResult push =
      Hpcimg({"copy", "--plain-http", "--keep-index", "oci:" + layout_ + ":v1",
              "docker://" + proxy.host() + "/hpc/again:v1"});
  ASSERT_EQ(push.exit_code, 0) << push.output;
  EXPECT_EQ(SkopeoDigest("docker://" + registry.host() + "/hpc/again:v1"),
            LayoutDigest(layout_));
}

TEST_F(RegistryTest, GivesUpOnARegistryThatKeepsFailing) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  Push(registry);
  FaultProxy proxy(registry.host());
  ASSERT_TRUE(proxy.ok());
  proxy.Fail("GET", "/blobs/", 500, 1000);
  const std::string out = dir_.Join("out");
  RunResult pull = Hpcimg({"copy", "--plain-http",
                           "docker://" + proxy.host() + "/hpc/app:v1",
                           "oci:" + out + ":v1"});
  EXPECT_EQ(pull.exit_code, 1) << pull.output;
  EXPECT_THAT(pull.output, AllOf(HasSubstr("HTTP 500"), HasSubstr("gave up")));
  EXPECT_FALSE(std::filesystem::exists(out)) << "partial layout left";
  // A push that fails leaves no tag behind.
  proxy.Fail("PUT", "/blobs/uploads/", 500, 1000);
  proxy.Fail("PATCH", "/blobs/uploads/", 500, 1000);
  RunResult push =
      Hpcimg({"copy", "--plain-http", "--keep-index", "oci:" + layout_ + ":v1",
              "docker://" + proxy.host() + "/hpc/never:v1"});
  EXPECT_EQ(push.exit_code, 1) << push.output;
  RunResult raw =
      RunCommand({"skopeo", "inspect", "--raw", "--tls-verify=false",
                  "docker://" + registry.host() + "/hpc/never:v1"});
  EXPECT_NE(raw.exit_code, 0) << "a manifest was pushed";
}

// The README's flow: build --push, explain the pushed image, ctr pulls it.
TEST_F(RegistryTest, BuildPushExplainAndCtrPull) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  const std::string context = dir_.Join("hello");
  std::filesystem::create_directories(context);
  WriteFileOrDie(context + "/hello-world.ps1", "Write-Host \"Hello World!\"\n");
  WriteFileOrDie(context + "/Dockerfile.windows",
                 "FROM mcr.microsoft.com/oss/kubernetes/"
                 "windows-host-process-containers-base-image:v1.0.0\n"
                 "ADD hello-world.ps1 .\n"
                 "ENTRYPOINT [\"powershell.exe\", \"./hello-world.ps1\"]\n");
  const std::string name = registry.host() + "/hello-world:v1";
  RunResult build =
      Hpcimg({"build", "--json", "--plain-http", "-f",
              context + "/Dockerfile.windows", "--push", "-t", name, context});
  ASSERT_EQ(build.exit_code, 0) << build.output << registry.Log();
  const std::string digest = nlohmann::json::parse(build.output)["digest"];

  RunResult explain = Hpcimg({"explain", "--plain-http", "docker://" + name});
  EXPECT_EQ(explain.exit_code, 0) << explain.output;
  EXPECT_THAT(explain.output, HasSubstr("ok"));

  ContainerdEnv env(ContentStore::kPlugin);
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  RunResult pull = env.Ctr({"images", "pull", "--plain-http", name});
  ASSERT_EQ(pull.exit_code, 0) << pull.output;
  RunResult ls = env.Ctr({"images", "ls"});
  EXPECT_THAT(ls.output, AllOf(HasSubstr(name), HasSubstr(digest)));
  const std::string mnt = env.dir() + "/mnt";
  std::filesystem::create_directories(mnt);
  RunResult mount = env.Ctr({"images", "mount", name, mnt});
  ASSERT_EQ(mount.exit_code, 0) << mount.output;
  EXPECT_EQ(ReadFileOrDie(mnt + "/Files/hello-world.ps1"),
            "Write-Host \"Hello World!\"\n");
  EXPECT_EQ(env.Ctr({"images", "unmount", mnt}).exit_code, 0);
}

// FROM an image in a registry is pulled; --offline refuses it; --base
// still maps it to a local source.
TEST_F(RegistryTest, BuildFromARegistryImage) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  Push(registry);
  const std::string context = dir_.Join("ctx");
  std::filesystem::create_directories(context);
  WriteFileOrDie(context + "/extra.txt", "more\n");
  WriteFileOrDie(context + "/Dockerfile",
                 "FROM " + registry.host() + "/hpc/app:v1\nCOPY extra.txt .\n");
  const std::string out = dir_.Join("built");
  RunResult build = Hpcimg({"build", "--json", "--plain-http", "--output",
                            "oci:" + out + ":v1", context});
  ASSERT_EQ(build.exit_code, 0) << build.output;
  // The base's layers come first, unchanged.
  auto index = nlohmann::json::parse(ReadFileOrDie(out + "/index.json"));
  const std::string manifest = index["manifests"][0]["digest"];
  auto m = nlohmann::json::parse(
      ReadFileOrDie(out + "/blobs/sha256/" + manifest.substr(7)));
  ASSERT_EQ(m["layers"].size(), Layers().size() + 1);
  EXPECT_EQ(m["layers"][0]["digest"], Layers()[0]);

  RunResult offline = Hpcimg({"build", "--offline", "--output",
                              "oci:" + dir_.Join("no") + ":v1", context});
  EXPECT_EQ(offline.exit_code, 2) << offline.output;
  EXPECT_THAT(offline.output,
              AllOf(HasSubstr("--offline"), HasSubstr("hpc/app:v1")));
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("no")));
  RunResult mapped =
      Hpcimg({"build", "--offline", "--base",
              registry.host() + "/hpc/app:v1=oci:" + layout_ + ":v1",
              "--output", "oci:" + dir_.Join("mapped") + ":v1", context});
  EXPECT_EQ(mapped.exit_code, 0) << mapped.output;
}

// A foreign (non-distributable) layer stays where its urls say unless
// --include-nondistributable; the manifest keeps the urls either way.
TEST_F(RegistryTest, ForeignLayersAreNotPushedUnlessAsked) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  const std::string foreign = Layers().front();
  // The test image with its first layer made a Windows-style foreign one.
  RunResult edit = RunCommand(
      {"sh", "-c",
       "cd " + layout_ +
           " && m=$(jq -r '.manifests[0].digest' index.json | cut -c8-) && "
           "jq -c '.layers[0].mediaType = "
           "\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\" | "
           ".layers[0].urls = [\"https://example.com/base-layer\"]' "
           "blobs/sha256/$m > new && n=$(sha256sum new | cut -c1-64) && "
           "mv new blobs/sha256/$n && s=$(stat -c %s blobs/sha256/$n) && "
           "jq -c --arg d sha256:$n --argjson s $s "
           "'.manifests[0].digest = $d | .manifests[0].size = $s' index.json "
           "> i && mv i index.json"});
  ASSERT_EQ(edit.exit_code, 0) << edit.output;
  const std::string ref = "docker://" + registry.host() + "/hpc/foreign:v1";
  RunResult push = Hpcimg({"copy", "--json", "--plain-http", "--keep-index",
                           "oci:" + layout_ + ":v1", ref});
  ASSERT_EQ(push.exit_code, 0) << push.output << registry.Log();
  EXPECT_EQ(nlohmann::json::parse(push.output)["blobsWritten"], Layers().size())
      << "config and the other layers";
  auto blob_status = [&](const std::string& repo) {
    return RunCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                       "-I",
                       "http://" + registry.host() + "/v2/" + repo + "/blobs/" +
                           foreign})
        .output;
  };
  EXPECT_EQ(blob_status("hpc/foreign"), "404");
  RunResult raw =
      RunCommand({"skopeo", "inspect", "--raw", "--tls-verify=false", ref});
  EXPECT_THAT(raw.output, HasSubstr("https://example.com/base-layer"));
  EXPECT_EQ("sha256:" + Sha256Hex(raw.output), LayoutDigest(layout_));

  RunResult all =
      Hpcimg({"copy", "--json", "--plain-http", "--keep-index",
              "--include-nondistributable", "oci:" + layout_ + ":v1",
              "docker://" + registry.host() + "/hpc/all:v1"});
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_EQ(nlohmann::json::parse(all.output)["blobsWritten"],
            Layers().size() + 1);
  EXPECT_EQ(blob_status("hpc/all"), "200");
}

}  // namespace
}  // namespace hpc::testing
