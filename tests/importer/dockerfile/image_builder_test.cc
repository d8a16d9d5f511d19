// Builds from Dockerfiles in temporary contexts, checking the image that
// comes out: its config, its layers' files, its digest; and every error
// names the Dockerfile line.
#include "importer/dockerfile/image_builder.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/copy/copy_image.h"
#include "importer/transport/reference.h"
#include "importer/archive/archive_reader.h"
#include "importer/archive/tar_writer.h"
#include "importer/oci/manifest.h"
#include "tests/testing/temp_dir.h"

namespace hpc::dockerfile {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

void WriteFile(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

struct Built {
  std::unique_ptr<image::ImageSource> image;
  oci::Json config;
  std::vector<oci::Descriptor> layers;
  std::vector<std::string> warnings;
};

class ImageBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_ = dir_.path() + "/context";
    scratch_ = dir_.path() + "/scratch";
    std::filesystem::create_directories(context_);
    std::filesystem::create_directories(scratch_);
  }
  void Write(const std::string& relative, const std::string& data) {
    WriteFile(context_ + "/" + relative, data);
  }
  absl::StatusOr<BuildResult> Run(const std::string& dockerfile,
                                  BuildOptions options = {}) {
    Write("Dockerfile", dockerfile);
    options.context = context_;
    options.scratch_dir = scratch_;
    options.created = absl::FromUnixSeconds(1640995200);
    return BuildImage(options);
  }
  Built Build(const std::string& dockerfile, BuildOptions options = {}) {
    auto result = Run(dockerfile, options);
    EXPECT_TRUE(result.ok()) << result.status();
    Built b;
    if (!result.ok()) return b;
    b.warnings = result->warnings;
    b.image = std::move(result->image);
    auto m = oci::Manifest::Parse(
        *image::ReadSmallBlob(*b.image, b.image->root()), "manifest");
    EXPECT_TRUE(m.ok());
    b.layers = m->layers();
    b.config = *oci::ParseJsonObject(
        *image::ReadSmallBlob(*b.image, m->config()), "config");
    return b;
  }
  // Path -> content ("<dir>" for directories) of a layer.
  std::map<std::string, std::string> LayerFiles(image::ImageSource& image,
                                                const oci::Descriptor& layer) {
    auto bytes = image::ReadSmallBlob(image, layer, 64 << 20);
    EXPECT_TRUE(bytes.ok());
    std::string file = dir_.path() + "/layer.tgz";
    WriteFile(file, *bytes);
    auto reader = archive::ArchiveReader::Open(file, "layer");
    std::map<std::string, std::string> out;
    for (;;) {
      auto next = (*reader)->Next();
      EXPECT_TRUE(next.ok());
      if (!next.ok() || !next->has_value()) break;
      out[(*next)->path] =
          (*next)->type == archive::ArchiveEntry::Type::kDirectory
              ? "<dir>"
              : *(*reader)->ReadAll(64 << 20);
    }
    return out;
  }
  std::string ErrorOf(const std::string& dockerfile,
                      BuildOptions options = {}) {
    auto result = Run(dockerfile, options);
    EXPECT_FALSE(result.ok());
    return result.ok() ? "" : std::string(result.status().message());
  }

  hpc::testing::TempDir dir_;
  std::string context_, scratch_;
};

constexpr char kUpstreamExample[] =
    "FROM mcr.microsoft.com/oss/kubernetes/"
    "windows-host-process-containers-base-image:v1.0.0\n"
    "ADD hello-world.ps1 .\n"
    "ENV PATH=\"C:\\Windows\\system32;C:\\Windows;"
    "C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\;\"\n"
    "ENTRYPOINT [\"powershell.exe\", \"./hello-world.ps1\"]\n";

TEST_F(ImageBuilderTest, UpstreamExample) {
  Write("hello-world.ps1", "Write-Host \"Hello World!\"\n");
  Built b = Build(kUpstreamExample);
  ASSERT_TRUE(b.image);
  EXPECT_EQ(b.image->root().media_type, oci::kOciManifest);
  EXPECT_FALSE(b.image->root().platform.has_value());
  EXPECT_EQ(b.config["os"], "windows");
  EXPECT_EQ(b.config["architecture"], "amd64");
  EXPECT_FALSE(b.config.contains("os.version"));
  EXPECT_EQ(b.config["config"]["Entrypoint"],
            oci::Json({"powershell.exe", "./hello-world.ps1"}));
  EXPECT_TRUE(b.config["config"]["Cmd"].is_null());  // reset by ENTRYPOINT
  EXPECT_EQ(b.config["config"]["Env"],
            oci::Json({"PATH=C:\\Windows\\system32;C:\\Windows;"
                       "C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\;"}));
  ASSERT_EQ(b.layers.size(), 2u);  // the base layer and the ADD
  auto files = LayerFiles(*b.image, b.layers[1]);
  EXPECT_EQ(files["Files/hello-world.ps1"], "Write-Host \"Hello World!\"\n");
  EXPECT_EQ(files["Files"], "<dir>");
  EXPECT_EQ(b.config["rootfs"]["diff_ids"].size(), 2u);

  // The same inputs give the same digest; a changed file does not.
  const std::string digest = b.image->root().digest.str();
  EXPECT_EQ(Build(kUpstreamExample).image->root().digest.str(), digest);
  std::filesystem::last_write_time(
      context_ + "/hello-world.ps1",
      std::filesystem::file_time_type::clock::now() - std::chrono::hours(5));
  EXPECT_EQ(Build(kUpstreamExample).image->root().digest.str(), digest);
  Write("hello-world.ps1", "Write-Host \"Hello!\"\n");
  EXPECT_NE(Build(kUpstreamExample).image->root().digest.str(), digest);
}

TEST_F(ImageBuilderTest, PathsWorkdirShellFormAndConfig) {
  Write("app/run.ps1", "run");
  Write("app/lib/util.ps1", "util");
  Write("tools/a.exe", "a");
  Write("tools/b.exe", "b");
  Write("tools/readme.md", "readme");
  Built b = Build(
      "# escape=`\n"
      "FROM base:\n"
      "ARG DIR=C:\\app\n"
      "WORKDIR ${DIR}\n"
      "COPY app/ .\n"
      "COPY tools/*.exe bin\\\n"
      "COPY tools/readme.md c:/docs/README.md\n"
      "SHELL [\"powershell\", \"-Command\"]\n"
      "CMD Write-Output `\n"
      "    hello\n"
      "USER ContainerAdministrator\n"
      "LABEL org.example.team=\"platform team\" version=1\n"
      "EXPOSE 80 9000-9001/udp\n"
      "STOPSIGNAL SIGTERM\n");
  ASSERT_EQ(b.layers.size(), 4u);
  auto app = LayerFiles(*b.image, b.layers[1]);
  EXPECT_EQ(app["Files/app/run.ps1"], "run");
  EXPECT_EQ(app["Files/app/lib/util.ps1"], "util");
  auto bin = LayerFiles(*b.image, b.layers[2]);
  EXPECT_EQ(bin["Files/app/bin/a.exe"], "a");
  EXPECT_EQ(bin["Files/app/bin/b.exe"], "b");
  EXPECT_EQ(bin.count("Files/app/bin/readme.md"), 0u);
  auto docs = LayerFiles(*b.image, b.layers[3]);
  EXPECT_EQ(docs["Files/docs/README.md"], "readme");
  const oci::Json& c = b.config["config"];
  EXPECT_EQ(c["WorkingDir"], "C:\\app");
  EXPECT_EQ(c["Cmd"],
            oci::Json({"powershell", "-Command", "Write-Output     hello"}));
  EXPECT_EQ(c["User"], "ContainerAdministrator");
  EXPECT_EQ(c["Labels"]["org.example.team"], "platform team");
  EXPECT_EQ(c["Labels"]["version"], "1");
  EXPECT_TRUE(c["ExposedPorts"].contains("80/tcp"));
  EXPECT_TRUE(c["ExposedPorts"].contains("9001/udp"));
  EXPECT_EQ(c["StopSignal"], "SIGTERM");
}

TEST_F(ImageBuilderTest, DefaultShellIsCmd) {
  Built b = Build("FROM scratch\nENTRYPOINT C:\\app\\run.exe --flag\n");
  EXPECT_EQ(b.config["config"]["Entrypoint"],
            oci::Json({"cmd", "/S", "/C", "C:\\app\\run.exe --flag"}));
  EXPECT_TRUE(b.layers.empty());
}

TEST_F(ImageBuilderTest, BuildArgsAndDockerignore) {
  Write(".dockerignore", "**/*.log\nsecret/\n");
  Write("src/app.ps1", "app");
  Write("src/debug.log", "noise");
  Write("secret/key", "k");
  BuildOptions options;
  options.build_args = {{"VERSION", "2.5"}, {"UNUSED", "x"}};
  Built b = Build(
      "ARG VERSION=1.0\n"
      "FROM base:\n"
      "ARG VERSION\n"
      "LABEL v=$VERSION\n"
      "COPY . C:/ctx/\n",
      options);
  EXPECT_EQ(b.config["config"]["Labels"]["v"], "2.5");
  auto files = LayerFiles(*b.image, b.layers.back());
  EXPECT_EQ(files["Files/ctx/src/app.ps1"], "app");
  EXPECT_EQ(files.count("Files/ctx/src/debug.log"), 0u);
  EXPECT_EQ(files.count("Files/ctx/secret/key"), 0u);
  EXPECT_THAT(b.warnings, ElementsAre(HasSubstr("--build-arg UNUSED")));
}

TEST_F(ImageBuilderTest, MultiStageCopyFrom) {
  Write("a.txt", "from stage one");
  Built b = Build(
      "# escape=`\n"
      "FROM base: AS one\n"
      "COPY a.txt C:\\out\\a.txt\n"
      "FROM scratch\n"
      "COPY --from=one C:\\out\\a.txt C:\\final\\\n"
      "COPY --from=0 /Windows/System32/config/SAM C:\\hives\\SAM\n");
  ASSERT_EQ(b.layers.size(), 2u);
  EXPECT_EQ(LayerFiles(*b.image, b.layers[0])["Files/final/a.txt"],
            "from stage one");
  EXPECT_EQ(LayerFiles(*b.image, b.layers[1])["Files/hives/SAM"].size(), 8192u);
}

TEST_F(ImageBuilderTest, CopyFromAnImage) {
  Built b = Build("FROM scratch\nCOPY --from=base: /License.txt C:/legal/\n");
  ASSERT_EQ(b.layers.size(), 1u);
  EXPECT_THAT(LayerFiles(*b.image, b.layers[0])["Files/legal/License.txt"],
              HasSubstr("CC0"));
}

TEST_F(ImageBuilderTest, AddExtractsLocalArchives) {
  archive::StringSink sink;
  {
    auto w = archive::TarWriter::Open(sink.sink(), archive::Compression::kGzip,
                                      absl::UnixEpoch());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->AddDirectory("bin").ok());
    ASSERT_TRUE((*w)->AddFile("bin/tool.exe", "tool").ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  const std::string tar = sink.data();
  Write("tools.tar.gz", tar);
  Built b = Build(
      "FROM scratch\nADD tools.tar.gz C:/tools/\n"
      "COPY tools.tar.gz C:/raw/\n");
  EXPECT_EQ(LayerFiles(*b.image, b.layers[0])["Files/tools/bin/tool.exe"],
            "tool");
  EXPECT_EQ(LayerFiles(*b.image, b.layers[1])["Files/raw/tools.tar.gz"], tar);
}

TEST_F(ImageBuilderTest, SquashMakesOneLayer) {
  Write("a", "a");
  Write("b", "b");
  BuildOptions options;
  options.squash = true;
  Built b = Build("FROM base:\nCOPY a C:/x/\nCOPY b C:/x/\n", options);
  ASSERT_EQ(b.layers.size(), 2u);  // the base layer, and one for both
  auto files = LayerFiles(*b.image, b.layers[1]);
  EXPECT_EQ(files["Files/x/a"], "a");
  EXPECT_EQ(files["Files/x/b"], "b");
}

TEST_F(ImageBuilderTest, ErrorsNameTheLine) {
  Write("a.txt", "a");
  EXPECT_THAT(ErrorOf("FROM base:\nRUN echo hi\n"),
              AllOf(HasSubstr("Dockerfile:2:"),
                    HasSubstr("RUN in a Windows stage needs a Windows builder"),
                    HasSubstr("Linux build stage")));
  EXPECT_THAT(ErrorOf("FROM base:\nFROBNICATE x\n"),
              AllOf(HasSubstr("Dockerfile:2:"),
                    HasSubstr("unknown instruction FROBNICATE")));
  EXPECT_THAT(ErrorOf("FROM base:\n\nCOPY missing.txt C:/\n"),
              AllOf(HasSubstr("Dockerfile:3:"), HasSubstr("missing.txt")));
  EXPECT_THAT(ErrorOf("FROM base:\nCOPY ../a.txt C:/\n"),
              AllOf(HasSubstr("Dockerfile:2:"),
                    HasSubstr("outside the build context")));
  EXPECT_THAT(ErrorOf("FROM base:\nADD https://example.com/x.zip C:/\n"),
              AllOf(HasSubstr("Dockerfile:2:"), HasSubstr("https://example.com/x.zip")));
  EXPECT_THAT(
      ErrorOf("COPY a.txt C:/\n"),
      AllOf(HasSubstr("Dockerfile:1:"), HasSubstr("before the first FROM")));
  BuildOptions offline;
  offline.offline = true;
  EXPECT_THAT(ErrorOf("FROM example.com/other:v1\n", offline),
              AllOf(HasSubstr("Dockerfile:1:"), HasSubstr("--offline"),
                    HasSubstr("--base example.com/other:v1=SRC")));
  EXPECT_THAT(ErrorOf("FROM base:\nCOPY --chmod=9z a.txt C:/\n"),
              HasSubstr("--chmod=9z: expected an octal mode"));
  EXPECT_THAT(ErrorOf("FROM --platform=linux/arm64 base:\n"),
              HasSubstr("hpcimg builds windows/amd64 images"));
  EXPECT_THAT(ErrorOf("FROM base:\nCOPY a.txt a.txt C:\\single\n"),
              HasSubstr("must be a directory"));
  EXPECT_THAT(ErrorOf("FROM base:\nCOPY a.txt D:\\x\n"),
              HasSubstr("only drive C:"));
  EXPECT_THAT(ErrorOf("FROM base:\nCOPY --from=nope a.txt C:/\n"),
              HasSubstr("Dockerfile:2:"));
  std::filesystem::create_symlink("/etc/passwd", context_ + "/link");
  EXPECT_THAT(ErrorOf("FROM base:\nCOPY link C:/\n"),
              HasSubstr("leads out of the build context"));
  EXPECT_THAT(ErrorOf("FROM base:\nCOPY . C:/\n"),
              HasSubstr("leads out of the build context"));
}

TEST_F(ImageBuilderTest, BaseMappingAndIndexNarrowing) {
  // --base maps a FROM name to a local source.
  BuildOptions options;
  options.bases = {{"example.com/other:v1", "base:v9.9.9"}};
  Built b = Build("FROM example.com/other:v1\nENV A=1\n", options);
  ASSERT_EQ(b.layers.size(), 1u);
  EXPECT_EQ(b.config["config"]["Env"], oci::Json({"A=1"}));
}

TEST_F(ImageBuilderTest, HostProcessBaseReplacesWindowsFroms) {
  // A stand-in for nanoserver: a Windows image of two layers, in a layout.
  Write("big.txt", "hundreds of MB");
  auto nano = Run("FROM base:\nCOPY big.txt C:/big.txt\n");
  ASSERT_TRUE(nano.ok()) << nano.status();
  const std::string layout = dir_.path() + "/nanoserver";
  auto dest = transport::Reference::Parse("oci:" + layout + ":ltsc2022");
  ASSERT_TRUE(dest.ok());
  ASSERT_TRUE(copy::WriteImage(*nano->image, *dest, {}).ok());

  Write("app.ps1", "Write-Host hi");
  const std::string dockerfile =
      "ARG WINDOWS=mcr.microsoft.com/windows/nanoserver:ltsc2022\n"
      "FROM $WINDOWS AS runtime\n"
      "FROM runtime\n"
      "COPY app.ps1 C:/app.ps1\n";
  BuildOptions faithful;
  faithful.bases = {{"mcr.microsoft.com/windows/nanoserver:ltsc2022",
                     "oci:" + layout + ":ltsc2022"}};
  Built named = Build(dockerfile, faithful);
  EXPECT_EQ(named.layers.size(), 3u) << "without the flag the named image is used";

  BuildOptions replaced = faithful;
  replaced.hostprocess_base = true;
  Built b = Build(dockerfile, replaced);
  ASSERT_EQ(b.layers.size(), 2u);
  EXPECT_EQ(LayerFiles(*b.image, b.layers[1])["Files/app.ps1"], "Write-Host hi");
  EXPECT_THAT(b.warnings,
              ElementsAre("Dockerfile:2: FROM mcr.microsoft.com/windows/"
                          "nanoserver:ltsc2022 replaced by the HostProcess "
                          "base image (--hostprocess-base)"));
}

TEST_F(ImageBuilderTest, PlatformArgsChmodChownAndLink) {
  Write("a.txt", "a");
  Built b = Build(
      "ARG TARGETPLATFORM\n"
      "FROM --platform=$TARGETPLATFORM base:\n"
      "ARG TARGETOS\nARG BUILDPLATFORM\n"
      "ENV WHERE=${TARGETOS}-from-${BUILDPLATFORM}\n"
      "COPY --chmod=700 --chown=ContainerUser --link a.txt C:/a.txt\n");
  ASSERT_EQ(b.layers.size(), 2u);
  EXPECT_EQ(b.config["config"]["Env"], oci::Json({"WHERE=windows-from-linux/amd64"}));
  auto bytes = image::ReadSmallBlob(*b.image, b.layers[1], 1 << 20);
  ASSERT_TRUE(bytes.ok());
  WriteFile(dir_.path() + "/l.tgz", *bytes);
  auto reader = archive::ArchiveReader::Open(dir_.path() + "/l.tgz", "layer");
  ASSERT_TRUE(reader.ok());
  int mode = -1;
  for (;;) {
    auto next = (*reader)->Next();
    if (!next.ok() || !next->has_value()) break;
    if ((*next)->path == "Files/a.txt") mode = (*next)->mode;
  }
  EXPECT_EQ(mode, 0700) << "--chmod is written in the layer";
}

TEST_F(ImageBuilderTest, CopyHereDocuments) {
  Built b = Build(
      "FROM base:\nARG NAME=kube-proxy\n"
      "COPY <<start.ps1 <<'raw.txt' C:/k/\n"
      "Write-Host \"starting $NAME\"\n"
      "start.ps1\n"
      "kept $NAME\n"
      "raw.txt\n");
  ASSERT_EQ(b.layers.size(), 2u);
  auto files = LayerFiles(*b.image, b.layers[1]);
  EXPECT_EQ(files["Files/k/start.ps1"], "Write-Host \"starting kube-proxy\"\n");
  EXPECT_EQ(files["Files/k/raw.txt"], "kept $NAME\n");
  Write("a", "a");
  EXPECT_THAT(ErrorOf("FROM base:\nADD --checksum=sha256:00 a C:/\n"),
              HasSubstr("--checksum checks what ADD fetches from a URL"));
}

TEST_F(ImageBuilderTest, OnlyTheStagesTheTargetNeedsAreBuilt) {
  Write("a.txt", "a");
  // The Linux stage nobody copies from would need runc and an image that
  // does not exist: it is not built. The stage FROM copies through is.
  const std::string dockerfile =
      "FROM --platform=linux/amd64 example.invalid/never:v1 AS unused\n"
      "RUN exit 1\n"
      "FROM base: AS files\n"
      "COPY a.txt C:/a.txt\n"
      "FROM base: AS other\n"
      "COPY --from=unused /x C:/x\n"
      "FROM base:\n"
      "COPY --from=files C:/a.txt C:/b.txt\n";
  BuildOptions offline;
  offline.offline = true;
  Built b = Build(dockerfile, offline);
  ASSERT_EQ(b.layers.size(), 2u);
  EXPECT_EQ(LayerFiles(*b.image, b.layers[1])["Files/b.txt"], "a");
  // --target other needs the unused stage, which then fails.
  BuildOptions other = offline;
  other.target = "other";
  EXPECT_THAT(ErrorOf(dockerfile, other),
              AllOf(HasSubstr("Dockerfile:1:"), HasSubstr("example.invalid/never:v1")));
}

TEST_F(ImageBuilderTest, LinuxFinalStageIsRefused) {
  EXPECT_THAT(ErrorOf("FROM --platform=linux/amd64 scratch AS bins\n"),
              AllOf(HasSubstr("\"bins\", is a Linux build stage"),
                    HasSubstr("hpcimg build makes Windows images")));
}

}  // namespace
}  // namespace hpc::dockerfile
