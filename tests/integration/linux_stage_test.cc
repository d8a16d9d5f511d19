// hpcimg build of the Dockerfile shapes HostProcess projects ship: a Linux
// build stage that RUNs (through runc) to download and unpack the Windows
// binaries, and a Windows stage that COPY --from takes them. The builder
// image is made here, offline, from Debian's busybox-static (umoci), with a
// small curl over busybox's wget, and served by the test's docker-registry
// under the name the Dockerfiles use (curlimages/curl); downloads come from
// an HTTP server the test runs on 127.0.0.1. buildah bud builds the same
// Linux stage as the peer. Needs root, runc, umoci, skopeo, buildah.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "httplib.h"
#include "importer/archive/archive_reader.h"
#include "nlohmann/json.hpp"
#include "tests/integration/busybox_image.h"
#include "tests/integration/containerd_env.h"
#include "tests/integration/registry_env.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace hpc::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kHpcimg = HPC_BIN_DIR "/hpcimg";

// curl as the Dockerfiles call it (-f, -L, -s, -S, -O, -o FILE), over
// busybox wget, for the offline builder image.
constexpr char kCurlShim[] = R"(#!/bin/sh
out=""; remote=0; url=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift ;;
    --*) ;;
    -*) case "$1" in *O*) remote=1 ;; esac
        case "$1" in *o) out=$2; shift ;; esac ;;
    *) url=$1 ;;
  esac
  shift
done
[ "$remote" = 1 ] && out=${url##*/}
exec wget -q -O "${out:--}" "$url"
)";

// The kube-proxy and flannel shape: ARG before FROM, a Linux stage that
// downloads, checks and unzips, a Windows stage that takes several paths.
constexpr char kKubeProxyDockerfile[] = R"(# syntax=docker/dockerfile:1
ARG BASE="mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0"

FROM --platform=linux/amd64 curlimages/curl as bins
ARG k8sVersion="v1.22.4"
ARG DOWNLOADS

WORKDIR /kube-proxy
RUN curl -fLO ${DOWNLOADS}/$k8sVersion/bin/windows/amd64/kube-proxy.exe
# Also download the sha256 sum so we can verify we got what we expected
RUN curl -fLO ${DOWNLOADS}/$k8sVersion/bin/windows/amd64/kube-proxy.exe.sha256
RUN echo "$(cat kube-proxy.exe.sha256)  kube-proxy.exe" | sha256sum -c -
RUN curl -fLo cni.zip ${DOWNLOADS}/cni-plugins-windows-amd64.zip \
    && mkdir -p cni && unzip -o cni.zip -d cni && rm cni.zip \
    && chmod 0750 cni/flannel.exe && ln -s flannel.exe cni/flannel-current.exe \
    && ln -s cni/flannel.exe flannel-latest.exe

FROM $BASE

ENV PATH="C:\Windows\system32;C:\Windows;C:\WINDOWS\System32\WindowsPowerShell\v1.0\;"

ADD start.ps1 /kube-proxy/start.ps1
COPY --from=bins /kube-proxy/kube-proxy.exe /kube-proxy/kube-proxy.exe
COPY --from=bins /kube-proxy/cni /kube-proxy/cni
COPY --from=bins /kube-proxy/flannel-latest.exe /kube-proxy/

ENTRYPOINT ["PowerShell", "-Command", "$env:CONTAINER_SANDBOX_MOUNT_POINT/kube-proxy/start.ps1"]
)";

struct LayerEntry {
  archive::ArchiveEntry::Type type;
  std::string data;
  int mode = 0;
  std::string link;
};
using LayerEntries = std::map<std::string, LayerEntry>;

// The one image of an OCI layout: its index entry, config and the entries
// of all its layers (later layers win).
struct Layout {
  nlohmann::json index, manifest, config;
  LayerEntries files;
};

Layout ReadLayout(const std::string& dir) {
  Layout l;
  l.index = nlohmann::json::parse(ReadFileOrDie(dir + "/index.json"));
  auto blob = [&](const std::string& digest) {
    return dir + "/blobs/sha256/" + digest.substr(7);
  };
  l.manifest = nlohmann::json::parse(
      ReadFileOrDie(blob(l.index["manifests"][0]["digest"])));
  l.config = nlohmann::json::parse(
      ReadFileOrDie(blob(l.manifest["config"]["digest"])));
  for (const auto& layer : l.manifest["layers"]) {
    auto reader = archive::ArchiveReader::Open(blob(layer["digest"]), "layer");
    if (!reader.ok()) continue;
    for (;;) {
      auto next = (*reader)->Next();
      if (!next.ok() || !next->has_value()) break;
      LayerEntry e{(*next)->type, "", (*next)->mode, (*next)->link_target};
      if (e.type == archive::ArchiveEntry::Type::kFile)
        e.data = *(*reader)->ReadAll(64 << 20);
      l.files[(*next)->path] = e;
    }
  }
  return l;
}

class LinuxStageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = new Shared();
    shared_->Make();
  }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(geteuid(), 0) << "Linux build stages RUN through runc, as root";
    ASSERT_TRUE(shared_->error.empty()) << shared_->error;
    context_ = dir_.Join("context");
    tmp_ = dir_.Join("tmp");
    fs::create_directories(context_);
    fs::create_directories(tmp_);
    std::ofstream(context_ + "/start.ps1") << "Write-Host starting kube-proxy\n";
    std::ofstream(context_ + "/Dockerfile") << kKubeProxyDockerfile;
  }

  // hpcimg build with TMPDIR in the test's folder, the builder image from
  // the test registry, downloads from the test's server.
  RunResult Build(std::vector<std::string> args) {
    std::vector<std::string> argv = {
        "env", "TMPDIR=" + tmp_, kHpcimg, "build", "--plain-http",
        "--base",
        "curlimages/curl=docker://" + shared_->registry->host() +
            "/curlimages/curl:latest",
        "--build-arg", "DOWNLOADS=" + shared_->downloads};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
  // Nothing left of the build in TMPDIR, and no mount of it.
  void ExpectNothingLeft() {
    for (const auto& e : fs::directory_iterator(tmp_))
      ADD_FAILURE() << "left behind: " << e.path();
    EXPECT_THAT(ReadFileOrDie("/proc/self/mounts"),
                Not(HasSubstr(tmp_)));
  }
  static ::testing::Matcher<const std::string&> Not(
      ::testing::Matcher<const std::string&> m) {
    return ::testing::Not(m);
  }

  struct Shared {
    void Make();
    TempDir dir;
    std::unique_ptr<Registry> registry;
    httplib::Server http;
    std::thread http_thread;
    std::string downloads;  // http://127.0.0.1:PORT
    std::string kube_proxy, flannel, host_local;  // the served bytes
    std::string error;
    ~Shared() {
      http.stop();
      if (http_thread.joinable()) http_thread.join();
    }
  };
  static Shared* shared_;

  TempDir dir_;
  std::string context_, tmp_;
};

LinuxStageTest::Shared* LinuxStageTest::shared_ = nullptr;

void LinuxStageTest::Shared::Make() {
  auto run = [&](const std::vector<std::string>& argv) {
    RunResult r = RunCommand(argv);
    if (r.exit_code != 0 && error.empty())
      error = absl::StrCat(absl::StrJoin(argv, " "), ": ", r.output);
    return r.exit_code == 0;
  };
  // The builder image: busybox and its applets, a curl, users.
  const std::string layout = dir.Join("builder");
  BusyboxImage builder;
  builder.files = {
      {"/usr/bin/curl", kCurlShim},
      {"/etc/passwd",
       "root:x:0:0:root:/root:/bin/sh\n"
       "curl_user:x:100:101:curl:/home/curl_user:/bin/sh\n"},
      {"/etc/group", "root:x:0:\ncurl_group:x:101:\n"}};
  builder.directories = {"/home/curl_user"};
  builder.env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  builder.working_dir = "/home/curl_user";
  error = MakeBusyboxImage(layout, "latest", builder);
  if (!error.empty()) return;

  registry = std::make_unique<Registry>();
  if (!registry->ok()) {
    error = "docker-registry did not start";
    return;
  }
  if (!run({"skopeo", "copy", "-q", "--dest-tls-verify=false",
            "oci:" + layout + ":latest",
            "docker://" + registry->host() + "/curlimages/curl:latest"}))
    return;

  // What the Linux stage downloads: kube-proxy.exe and its sum, and a zip.
  const std::string files = dir.Join("downloads");
  const std::string bin = files + "/v1.22.4/bin/windows/amd64";
  fs::create_directories(bin);
  kube_proxy = "MZ kube-proxy " + std::string(100000, 'k');
  flannel = "MZ flannel " + std::string(5000, 'f');
  host_local = "MZ host-local";
  std::ofstream(bin + "/kube-proxy.exe", std::ios::binary) << kube_proxy;
  RunResult sum = RunCommand({"sha256sum", bin + "/kube-proxy.exe"});
  std::ofstream(bin + "/kube-proxy.exe.sha256") << sum.output.substr(0, 64);
  std::ofstream(dir.Join("flannel.exe"), std::ios::binary) << flannel;
  std::ofstream(dir.Join("host-local.exe"), std::ios::binary) << host_local;
  if (!run({"python3", "-c",
            "import sys, zipfile\n"
            "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n"
            "  z.write(sys.argv[2], 'flannel.exe')\n"
            "  z.write(sys.argv[3], 'host-local.exe')\n",
            files + "/cni-plugins-windows-amd64.zip", dir.Join("flannel.exe"),
            dir.Join("host-local.exe")}))
    return;
  http.set_mount_point("/", files);
  int port = http.bind_to_any_port("127.0.0.1");
  downloads = absl::StrCat("http://127.0.0.1:", port);
  http_thread = std::thread([this] { http.listen_after_bind(); });
}

TEST_F(LinuxStageTest, KubeProxyShapeBuildsReproducibly) {
  RunResult first = Build({"--output", "oci:" + dir_.Join("one") + ":v1", context_});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // Each RUN and its output, prefixed with its step.
  EXPECT_THAT(first.output,
              AllOf(HasSubstr("[bins 1/8] FROM --platform=linux/amd64 curlimages/curl as bins"),
                    HasSubstr("[bins 7/8] kube-proxy.exe: OK"),
                    HasSubstr("# syntax=docker/dockerfile:1 is read and ignored")));
  ExpectNothingLeft();
  RunResult second = Build({"--output", "oci:" + dir_.Join("two") + ":v1", context_});
  ASSERT_EQ(second.exit_code, 0) << second.output;

  Layout one = ReadLayout(dir_.Join("one")), two = ReadLayout(dir_.Join("two"));
  // A single manifest, without platform, the same digest twice.
  ASSERT_EQ(one.index["manifests"].size(), 1u);
  EXPECT_FALSE(one.index["manifests"][0].contains("platform"));
  EXPECT_EQ(one.index["manifests"][0]["mediaType"],
            "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(one.index["manifests"][0]["digest"], two.index["manifests"][0]["digest"]);
  // The config: Windows, no os.version, the ENTRYPOINT and PATH.
  EXPECT_EQ(one.config["os"], "windows");
  EXPECT_FALSE(one.config.contains("os.version"));
  EXPECT_EQ(one.config["config"]["Entrypoint"],
            nlohmann::json({"PowerShell", "-Command",
                            "$env:CONTAINER_SANDBOX_MOUNT_POINT/kube-proxy/start.ps1"}));
  EXPECT_EQ(one.config["config"]["Env"][0],
            "PATH=C:\\Windows\\system32;C:\\Windows;"
            "C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\;");
  // The base image's layer, then ADD and three COPY --from layers.
  EXPECT_EQ(one.manifest["layers"].size(), 5u);
  const LayerEntries& f = one.files;
  EXPECT_EQ(f.at("Files/kube-proxy/start.ps1").data, "Write-Host starting kube-proxy\n");
  EXPECT_EQ(f.at("Files/kube-proxy/kube-proxy.exe").data, shared_->kube_proxy);
  EXPECT_EQ(f.at("Files/kube-proxy/cni/flannel.exe").data, shared_->flannel);
  EXPECT_EQ(f.at("Files/kube-proxy/cni/flannel.exe").mode, 0750);
  EXPECT_EQ(f.at("Files/kube-proxy/cni/host-local.exe").data, shared_->host_local);
  EXPECT_EQ(f.at("Files/kube-proxy/cni/flannel-current.exe").type,
            archive::ArchiveEntry::Type::kSymlink);
  EXPECT_EQ(f.at("Files/kube-proxy/cni/flannel-current.exe").link, "flannel.exe");
  // A symbolic link named as the source is followed, as COPY does.
  EXPECT_EQ(f.at("Files/kube-proxy/flannel-latest.exe").data, shared_->flannel);
  EXPECT_TRUE(f.count("Files/License.txt")) << "the base image's files";
  EXPECT_FALSE(f.count("Files/kube-proxy/cni.zip"));
}

TEST_F(LinuxStageTest, NanoserverReplacedByTheHostProcessBase) {
  std::ofstream(context_ + "/Dockerfile.nano")
      << "ARG WINDOWS_VERSION=ltsc2022\n"
         "FROM --platform=linux/amd64 curlimages/curl AS bins\n"
         "ARG DOWNLOADS\n"
         "RUN curl -fsSLo /kube-proxy.exe ${DOWNLOADS}/v1.22.4/bin/windows/amd64/kube-proxy.exe\n"
         "# the Windows base does not matter for HostProcess\n"
         "FROM mcr.microsoft.com/windows/nanoserver:${WINDOWS_VERSION}\n"
         "COPY --from=bins /kube-proxy.exe /kube-proxy.exe\n"
         "ENTRYPOINT [\"kube-proxy.exe\"]\n";
  // Without the flag, the named image is pulled: here, with no network,
  // that fails naming it.
  RunResult faithful = Build({"--offline", "--base",
                              "curlimages/curl=oci:" + shared_->dir.Join("builder") + ":latest",
                              "-f", context_ + "/Dockerfile.nano",
                              "--output", "oci:" + dir_.Join("n0") + ":v1", context_});
  EXPECT_NE(faithful.exit_code, 0);
  EXPECT_THAT(faithful.output, HasSubstr("mcr.microsoft.com/windows/nanoserver:ltsc2022"));
  ExpectNothingLeft();

  RunResult built = Build({"--hostprocess-base", "-f", context_ + "/Dockerfile.nano",
                           "--output", "oci-archive:" + dir_.Join("nano.tar"), context_});
  ASSERT_EQ(built.exit_code, 0) << built.output;
  EXPECT_THAT(built.output,
              HasSubstr("Dockerfile.nano:6: FROM mcr.microsoft.com/windows/"
                        "nanoserver:ltsc2022 replaced by the HostProcess base "
                        "image (--hostprocess-base)"));
  fs::create_directories(dir_.Join("nano"));
  ASSERT_EQ(RunCommand({"tar", "-C", dir_.Join("nano"), "-xf", dir_.Join("nano.tar")}).exit_code, 0);
  Layout l = ReadLayout(dir_.Join("nano"));
  EXPECT_EQ(l.manifest["layers"].size(), 2u);
  EXPECT_EQ(l.files.at("Files/kube-proxy.exe").data, shared_->kube_proxy);
  EXPECT_TRUE(l.files.count("Files/Windows/System32/config/SYSTEM"));
  ExpectNothingLeft();
}

TEST_F(LinuxStageTest, RunThatFailsNamesTheLineAndTheCode) {
  std::ofstream(context_ + "/Dockerfile.fail")
      << "FROM --platform=linux/amd64 curlimages/curl AS bins\n"
         "RUN echo partial > /out.txt\n"
         "RUN echo about to fail && exit 3\n"
         "FROM mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0\n"
         "COPY --from=bins /out.txt /out.txt\n";
  RunResult r = Build({"-f", context_ + "/Dockerfile.fail", "--output",
                       "oci:" + dir_.Join("fail") + ":v1", context_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, AllOf(HasSubstr("[bins 3/3] about to fail"),
                              HasSubstr("Dockerfile.fail:3: RUN echo about to fail "
                                        "&& exit 3: the command exited with code 3")));
  EXPECT_FALSE(fs::exists(dir_.Join("fail"))) << "no output written";
  ExpectNothingLeft();
}

TEST_F(LinuxStageTest, MissingRuncIsAClearError) {
  RunResult r = Build({"--runtime", "/nonexistent/runc", "--output",
                       "oci:" + dir_.Join("x") + ":v1", context_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, AllOf(HasSubstr("Dockerfile:9: RUN"),
                              HasSubstr("\"/nonexistent/runc\", is not found"),
                              HasSubstr("runc package")));
  ExpectNothingLeft();
}

TEST_F(LinuxStageTest, InterruptedMidRunLeavesNothing) {
  std::ofstream(context_ + "/Dockerfile.sleep")
      << "FROM --platform=linux/amd64 curlimages/curl AS bins\n"
         "RUN echo sleeping && sleep 31337\n"
         "FROM mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0\n"
         "COPY --from=bins /etc/passwd /passwd\n";
  const std::string log = dir_.Join("build.log");
  Subprocess build({"env", "TMPDIR=" + tmp_, kHpcimg, "build", "--plain-http",
                    "--base",
                    "curlimages/curl=docker://" + shared_->registry->host() +
                        "/curlimages/curl:latest",
                    "-f", context_ + "/Dockerfile.sleep", "--output",
                    "oci:" + dir_.Join("s") + ":v1", context_},
                   log);
  bool started = false;
  for (int i = 0; i < 300 && !started; ++i) {
    started = fs::exists(log) &&
              ReadFileOrDie(log).find("[bins 2/2] sleeping") != std::string::npos;
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(started) << ReadFileOrDie(log);
  int status = build.Stop(SIGTERM, 30000);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_THAT(ReadFileOrDie(log), HasSubstr("interrupted by signal 15"));
  ExpectNothingLeft();
  EXPECT_EQ(RunCommand({"pgrep", "-f", "sleep 31337"}).exit_code, 1)
      << "the container's process is gone";
  EXPECT_FALSE(fs::exists(dir_.Join("s")));
}

TEST_F(LinuxStageTest, AddUrlChecksumAndHereDocuments) {
  RunResult sum = RunCommand({"sha256sum"}, shared_->kube_proxy);
  const std::string good = "sha256:" + sum.output.substr(0, 64);
  const std::string url = shared_->downloads + "/v1.22.4/bin/windows/amd64/kube-proxy.exe";
  std::ofstream(context_ + "/Dockerfile.add")
      << "FROM --platform=linux/amd64 curlimages/curl AS bins\n"
         "ARG DOWNLOADS\n"
         "ADD --checksum=" << good << " ${DOWNLOADS}/v1.22.4/bin/windows/amd64/kube-proxy.exe /dl/\n"
         "RUN <<EOF\n"
         "set -e\n"
         "cd /dl\n"
         "sha256sum kube-proxy.exe | cut -c1-64 > sum.txt\n"
         "echo made by a heredoc > note.txt\n"
         "EOF\n"
         "FROM mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0\n"
         "ARG DOWNLOADS\n"
         "ADD ${DOWNLOADS}/v1.22.4/bin/windows/amd64/kube-proxy.exe.sha256 /k/expected.sha256\n"
         "COPY --from=bins /dl/sum.txt /dl/note.txt /k/\n"
         // Quoted: $env is PowerShell's, not a build variable.
         "COPY <<'start.ps1' /k/\n"
         "& $env:CONTAINER_SANDBOX_MOUNT_POINT/k/kube-proxy.exe\n"
         "start.ps1\n";
  RunResult built = Build({"-f", context_ + "/Dockerfile.add", "--output",
                           "oci:" + dir_.Join("add") + ":v1", context_});
  ASSERT_EQ(built.exit_code, 0) << built.output;
  Layout l = ReadLayout(dir_.Join("add"));
  EXPECT_EQ(l.files.at("Files/k/sum.txt").data, sum.output.substr(0, 64) + "\n");
  EXPECT_EQ(l.files.at("Files/k/note.txt").data, "made by a heredoc\n");
  EXPECT_EQ(l.files.at("Files/k/expected.sha256").data, sum.output.substr(0, 64));
  EXPECT_EQ(l.files.at("Files/k/expected.sha256").mode, 0600) << "as Docker adds downloads";
  EXPECT_EQ(l.files.at("Files/k/start.ps1").data,
            "& $env:CONTAINER_SANDBOX_MOUNT_POINT/k/kube-proxy.exe\n");

  // A wrong checksum fails, naming the URL; nothing is written or left.
  std::ofstream(context_ + "/Dockerfile.bad")
      << "FROM mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0\n"
         "ADD --checksum=sha256:" << std::string(64, '0') << " " << url << " /k/\n";
  RunResult bad = Build({"-f", context_ + "/Dockerfile.bad", "--output",
                         "oci:" + dir_.Join("bad") + ":v1", context_});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, AllOf(HasSubstr("Dockerfile.bad:2: ADD: ADD " + url),
                                HasSubstr("does not match what the URL serves (" + good + ")")));
  EXPECT_FALSE(fs::exists(dir_.Join("bad")));
  // A URL that is not there names it and the server's answer.
  std::ofstream(context_ + "/Dockerfile.404")
      << "FROM mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0\n"
         "ADD " << shared_->downloads << "/missing.exe /k/\n";
  RunResult missing = Build({"-f", context_ + "/Dockerfile.404", "--output",
                             "oci:" + dir_.Join("404") + ":v1", context_});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("/missing.exe: the server answered 404"));
  ExpectNothingLeft();
}

// An airgapped build: the builder image by its Docker Hub name, pulled
// from the mirror hosts.toml names, after a mirror that is down.
TEST_F(LinuxStageTest, HostsDirMirrorsAsNodesConfigureThem) {
  const std::string hosts = dir_.Join("certs.d");
  const int down = FreeLoopbackPort(), down2 = FreeLoopbackPort();
  fs::create_directories(hosts + "/docker.io");
  std::ofstream(hosts + "/docker.io/hosts.toml")
      << "server = \"http://127.0.0.1:" << down2 << "\"\n\n"
      << "[host.\"http://127.0.0.1:" << down << "\"]\n"
      << "  capabilities = [\"pull\", \"resolve\"]\n\n"
      << "[host.\"http://" << shared_->registry->host() << "\"]\n"
      << "  capabilities = [\"pull\", \"resolve\"]\n";
  RunResult built = RunCommand(
      {"env", "TMPDIR=" + tmp_, kHpcimg, "build", "--hosts-dir", hosts,
       "--build-arg", "DOWNLOADS=" + shared_->downloads, "--output",
       "oci:" + dir_.Join("mirrored") + ":v1", context_});
  ASSERT_EQ(built.exit_code, 0) << built.output;
  EXPECT_EQ(ReadLayout(dir_.Join("mirrored")).files.at("Files/kube-proxy/kube-proxy.exe").data,
            shared_->kube_proxy);
  EXPECT_THAT(shared_->registry->Log(), HasSubstr("/v2/curlimages/curl/manifests/latest"));

  // Every host down: the error names each one tried.
  std::ofstream(hosts + "/docker.io/hosts.toml")
      << "server = \"http://127.0.0.1:" << down2 << "\"\n\n"
      << "[host.\"http://127.0.0.1:" << down << "\"]\n";
  RunResult failed = RunCommand(
      {"env", "TMPDIR=" + tmp_, kHpcimg, "build", "--hosts-dir", hosts,
       "--build-arg", "DOWNLOADS=" + shared_->downloads, "--output",
       "oci:" + dir_.Join("none") + ":v1", context_});
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_THAT(failed.output,
              AllOf(HasSubstr("every host failed"),
                    HasSubstr(absl::StrCat("http://127.0.0.1:", down, " (")),
                    HasSubstr(absl::StrCat("http://127.0.0.1:", down2, " ("))));
  EXPECT_FALSE(fs::exists(dir_.Join("none")));
  ExpectNothingLeft();
}

// buildah bud builds the same Linux stage; the files COPY --from takes are
// the same: names, bytes, modes, link targets.
TEST_F(LinuxStageTest, BuildahBuildsTheSameStage) {
  RunResult ours = Build({"--output", "oci:" + dir_.Join("ours") + ":v1", context_});
  ASSERT_EQ(ours.exit_code, 0) << ours.output;
  Layout l = ReadLayout(dir_.Join("ours"));

  const std::string storage = dir_.Join("buildah");
  const std::string conf = dir_.Join("registries.conf");
  const std::string policy = dir_.Join("policy.json");
  std::ofstream(conf) << "unqualified-search-registries = [\"docker.io\"]\n"
                         "short-name-mode = \"permissive\"\n"
                         "[[registry]]\nprefix = \"docker.io/curlimages/curl\"\n"
                         "location = \"" << shared_->registry->host()
                      << "/curlimages/curl\"\ninsecure = true\n";
  std::ofstream(policy) << R"({"default":[{"type":"insecureAcceptAnything"}]})";
  std::vector<std::string> buildah = {
      "env", "CONTAINERS_REGISTRIES_CONF=" + conf, "buildah",
      "--root", storage + "/root", "--runroot", storage + "/run",
      "--storage-driver", "vfs"};
  auto with = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = buildah;
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  };
  RunResult bud = with({"bud", "--signature-policy", policy, "--network", "host",
                        "--target", "bins", "--build-arg",
                        "DOWNLOADS=" + shared_->downloads, "-t", "bins:peer",
                        "-f", context_ + "/Dockerfile", context_});
  ASSERT_EQ(bud.exit_code, 0) << absl::StrJoin(buildah, " ") << "\n" << bud.output;
  RunResult from = with({"from", "--pull-never", "bins:peer"});
  ASSERT_EQ(from.exit_code, 0) << from.output;
  std::string container = from.output.substr(0, from.output.find_last_not_of("\n") + 1);
  container = container.substr(container.rfind('\n') + 1);
  RunResult mount = with({"mount", container});
  ASSERT_EQ(mount.exit_code, 0) << mount.output;
  std::string root = mount.output.substr(0, mount.output.find('\n'));

  // Every file under /kube-proxy/cni, and the two files named directly.
  std::map<std::string, LayerEntry> peer;
  for (const auto& e : fs::recursive_directory_iterator(root + "/kube-proxy/cni")) {
    struct stat st;
    ASSERT_EQ(lstat(e.path().c_str(), &st), 0);
    LayerEntry entry{archive::ArchiveEntry::Type::kFile, "",
                     static_cast<int>(st.st_mode & 07777), ""};
    if (S_ISLNK(st.st_mode)) {
      entry.type = archive::ArchiveEntry::Type::kSymlink;
      entry.link = fs::read_symlink(e.path());
      entry.mode = 0777;
    } else if (S_ISDIR(st.st_mode)) {
      entry.type = archive::ArchiveEntry::Type::kDirectory;
    } else {
      entry.data = ReadFileOrDie(e.path());
    }
    peer["Files/kube-proxy/cni/" + e.path().lexically_relative(root + "/kube-proxy/cni").string()] =
        entry;
  }
  std::map<std::string, LayerEntry> mine;
  for (const auto& [path, e] : l.files) {
    if (absl::StartsWith(path, "Files/kube-proxy/cni/")) mine[path] = e;
  }
  std::string listing;
  for (const auto& [path, e] : peer) listing += " peer:" + path;
  for (const auto& [path, e] : mine) listing += " ours:" + path;
  ASSERT_EQ(mine.size(), peer.size()) << listing << "\n" << bud.output;
  for (const auto& [path, e] : peer) {
    ASSERT_TRUE(mine.count(path)) << path;
    EXPECT_EQ(mine[path].type, e.type) << path;
    EXPECT_EQ(mine[path].data, e.data) << path;
    if (e.type != archive::ArchiveEntry::Type::kSymlink) {
      EXPECT_EQ(mine[path].mode, e.mode) << path;
    }
    EXPECT_EQ(mine[path].link, e.link) << path;
  }
  EXPECT_EQ(l.files.at("Files/kube-proxy/kube-proxy.exe").data,
            ReadFileOrDie(root + "/kube-proxy/kube-proxy.exe"));
  EXPECT_EQ(l.files.at("Files/kube-proxy/flannel-latest.exe").data,
            ReadFileOrDie(root + "/kube-proxy/flannel-latest.exe"));
  with({"umount", container});
  with({"rm", container});
  with({"rmi", "-a", "-f"});
}

}  // namespace
}  // namespace hpc::testing
