#include "importer/transport/layout_sink.h"

#include "absl/strings/str_cat.h"
#include "importer/oci/digester.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"
#include "importer/transport/image_name.h"
#include "importer/transport/layout_index.h"

namespace hpc::transport {

namespace {

constexpr size_t kCopyBuffer = 1 << 20;

// The ref.name an image named `name` gets: a bare tag ("v1", as in
// oci:DIR:v1) as it is, as skopeo and umoci read it; a full name's tag.
std::string RefNameOf(absl::string_view name) {
  if (name.find_first_of("/:@") == absl::string_view::npos)
    return std::string(name);
  return TagOf(name);
}

}  // namespace

absl::Status CopyBlob(image::ImageSource& source, const oci::Descriptor& blob,
                      LayoutWriter& writer, const BlobProgress& progress) {
  const std::string path = absl::StrCat("blobs/sha256/", blob.digest.hex());
  if (writer.Has(path)) {
    if (progress) progress(blob, blob.size);
    return absl::OkStatus();
  }
  auto stream = source.Open(blob);
  if (!stream.ok()) return stream.status();
  // A stream that checks its own bytes is not hashed twice.
  const bool verified = (*stream)->verifies();
  absl::Status added =
      writer.AddFile(path, blob.size, [&](const auto& write) -> absl::Status {
        oci::Digester digester;
        std::string buffer(kCopyBuffer, '\0');
        int64_t total = 0;
        while (true) {
          auto n = (*stream)->Read(buffer.data(), buffer.size());
          if (!n.ok()) return n.status();
          if (*n == 0) break;
          total += static_cast<int64_t>(*n);
          if (total > blob.size) {
            return absl::DataLossError(
                absl::StrCat(source.name(), ": blob ", blob.digest.str(),
                             " is larger than the ", blob.size,
                             " bytes its descriptor declares"));
          }
          absl::string_view chunk(buffer.data(), *n);
          if (!verified) digester.Update(chunk);
          if (absl::Status s = write(chunk); !s.ok()) return s;
          if (progress && total < blob.size) progress(blob, total);
        }
        if (total != blob.size) {
          return absl::DataLossError(absl::StrCat(
              source.name(), ": blob ", blob.digest.str(), " has ", total,
              " bytes, not the ", blob.size, " its descriptor declares"));
        }
        if (oci::Digest actual = digester.Current();
            !verified && actual != blob.digest) {
          return absl::DataLossError(
              absl::StrCat(source.name(), ": blob ", blob.digest.str(),
                           " does not match its content (", actual.str(), ")"));
        }
        return absl::OkStatus();
      });
  if (added.ok() && progress) progress(blob, blob.size);
  return added;
}

absl::Status WriteLayout(image::ImageSource& source, LayoutWriter& writer,
                         const LayoutOptions& options) {
  auto blobs = image::ListBlobs(source);
  if (!blobs.ok()) return blobs.status();
  for (const oci::Descriptor& blob : *blobs) {
    if (absl::Status s = CopyBlob(source, blob, writer, options.progress);
        !s.ok()) {
      return s;
    }
  }

  oci::Descriptor root = source.root();
  root.platform.reset();
  root.annotations.erase(kRefNameAnnotation);
  root.annotations.erase(kContainerdNameAnnotation);
  if (!options.image_name.empty()) {
    root.annotations[kRefNameAnnotation] = RefNameOf(options.image_name);
    root.annotations[kContainerdNameAnnotation] = options.image_name;
  }

  // index.json: keep other images of an existing layout (--force), replace
  // the one of the same name.
  std::vector<oci::Descriptor> entries;
  if (auto existing = writer.ReadExisting("index.json"); existing.ok()) {
    auto index = oci::Index::Parse(*existing, "existing index.json");
    if (!index.ok()) return index.status();
    for (const oci::Descriptor& d : index->manifests()) {
      auto name = d.annotations.find(kContainerdNameAnnotation);
      auto tag = d.annotations.find(kRefNameAnnotation);
      bool same =
          (name != d.annotations.end() && name->second == options.image_name) ||
          (name == d.annotations.end() && tag != d.annotations.end() &&
           !options.image_name.empty() &&
           tag->second == RefNameOf(options.image_name));
      if (!same && d.digest != root.digest) entries.push_back(d);
    }
  }
  entries.push_back(root);
  oci::Index index = oci::Index::Make(oci::MediaTypeFormat::kOci, entries);

  if (absl::Status s =
          writer.AddBytes("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
      !s.ok()) {
    return s;
  }
  if (options.docker_manifest) {
    if (!oci::IsManifest(source.root().media_type)) {
      return absl::InvalidArgumentError(
          absl::StrCat(source.name(),
                       " is an index of several images; a docker-archive holds "
                       "one image per "
                       "name: copy one platform of it"));
    }
    auto bytes = image::ReadSmallBlob(source, source.root());
    if (!bytes.ok()) return bytes.status();
    auto manifest = oci::Manifest::Parse(*bytes, source.name());
    if (!manifest.ok()) return manifest.status();
    oci::Json entry = {
        {"Config",
         absl::StrCat("blobs/sha256/", manifest->config().digest.hex())},
        {"RepoTags", oci::Json::array()},
        {"Layers", oci::Json::array()}};
    if (!options.image_name.empty())
      entry["RepoTags"].push_back(options.image_name);
    for (const oci::Descriptor& layer : manifest->layers()) {
      entry["Layers"].push_back(
          absl::StrCat("blobs/sha256/", layer.digest.hex()));
    }
    oci::Json list = oci::Json::array({entry});
    if (absl::Status s =
            writer.AddBytes("manifest.json", oci::CanonicalJson(list));
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = writer.AddBytes("index.json", index.Serialize());
      !s.ok())
    return s;
  return writer.Commit();
}

}  // namespace hpc::transport
