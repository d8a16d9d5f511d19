#include "importer/base/base_image.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "importer/archive/gzip.h"
#include "importer/archive/tar_writer.h"
#include "importer/base/registry_hive.h"
#include "importer/oci/digester.h"
#include "importer/oci/image_config.h"
#include "importer/oci/manifest.h"

namespace hpc::base {

namespace {

constexpr int64_t kFixedEpoch = 1640995200;  // 2022-01-01T00:00:00Z

constexpr absl::string_view kLicense =
    "HostProcess container base image\n"
    "\n"
    "To the extent possible under law, the authors of this image have waived\n"
    "all copyright and related or neighboring rights to its contents, which\n"
    "are dedicated to the public domain under the Creative Commons CC0 1.0\n"
    "Universal Public Domain Dedication:\n"
    "https://creativecommons.org/publicdomain/zero/1.0/legalcode\n"
    "\n"
    "The contents are provided as is, without warranty of any kind.\n";

constexpr absl::string_view kCmd = "c:\\windows\\system32\\cmd.exe";

}  // namespace

absl::string_view LicenseText() { return kLicense; }

absl::StatusOr<absl::Time> ReproducibleTime() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch == nullptr || *epoch == '\0')
    return absl::FromUnixSeconds(kFixedEpoch);
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(epoch, &seconds) || seconds < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("SOURCE_DATE_EPOCH=\"", epoch,
                     "\" is not a number of seconds since 1970"));
  }
  return absl::FromUnixSeconds(seconds);
}

absl::StatusOr<std::unique_ptr<image::MemoryImage>> GenerateBaseImage(
    const BaseImageOptions& options) {
  const absl::Time created = options.created;
  const bool oci = options.format == oci::MediaTypeFormat::kOci;

  // The layer, uncompressed (its digest is the diff ID) and gzipped.
  archive::StringSink tar;
  {
    auto writer = archive::TarWriter::Open(
        tar.sink(), archive::Compression::kNone, created);
    if (!writer.ok()) return writer.status();
    absl::Status s = (*writer)->AddDirectory("Files");
    if (s.ok()) s = (*writer)->AddFile("Files/License.txt", kLicense);
    for (const char* dir : {"Files/Windows", "Files/Windows/System32",
                            "Files/Windows/System32/config"}) {
      if (s.ok()) s = (*writer)->AddDirectory(dir);
    }
    for (const char* hive : kHiveNames) {
      if (!s.ok()) break;
      auto bytes = WriteMinimalHive({hive, created});
      if (!bytes.ok()) return bytes.status();
      s = (*writer)->AddFile(
          absl::StrCat("Files/Windows/System32/config/", hive), *bytes);
    }
    if (s.ok()) s = (*writer)->Close();
    if (!s.ok()) return s;
  }
  std::string layer_gz;
  if (absl::Status s = archive::GzipBytes(tar.data(), &layer_gz); !s.ok())
    return s;
  const oci::Digest diff_id = oci::Digester::Of(tar.data());

  const std::string created_text =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", created, absl::UTCTimeZone());
  oci::Json config = {
      {"architecture", "amd64"},
      {"os", "windows"},
      {"created", created_text},
      {"config", {{"Cmd", {std::string(kCmd)}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id.str()}}}},
      {"history",
       {{{"created", created_text},
         {"created_by", absl::StrCat("hpcimg base ", options.version)},
         {"comment",
          "HostProcess base layer: License.txt and minimal registry hives"}}}},
  };

  auto image = std::make_unique<image::MemoryImage>(
      absl::StrCat("base:", options.version),
      std::vector<std::string>{
          absl::StrCat(kBaseImageRepository, ":", options.version)});
  oci::Descriptor layer = image->Add(
      oci ? oci::kOciLayerGzip : oci::kDockerLayerGzip, std::move(layer_gz));
  oci::Descriptor config_desc = image->Add(
      oci ? oci::kOciConfig : oci::kDockerConfig, oci::CanonicalJson(config));
  oci::Manifest manifest =
      oci::Manifest::Make(options.format, config_desc, {layer});
  oci::Descriptor manifest_desc =
      image->Add(manifest.media_type(), manifest.Serialize());
  image->set_root(manifest_desc);
  return image;
}

}  // namespace hpc::base
