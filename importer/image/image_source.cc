#include "importer/image/image_source.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "importer/oci/digester.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"

namespace hpc::image {

namespace {

class StringStream final : public BlobStream {
 public:
  explicit StringStream(std::string bytes) : bytes_(std::move(bytes)) {}
  absl::StatusOr<size_t> Read(char* dst, size_t n) override {
    size_t k = std::min(n, bytes_.size() - pos_);
    std::memcpy(dst, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

absl::Status Collect(ImageSource& source, const oci::Descriptor& d, int depth,
                     std::set<std::string>& seen,
                     std::vector<oci::Descriptor>& out) {
  if (depth > 8) {
    return absl::InvalidArgumentError(
        absl::StrCat(source.name(), ": indexes nested more than 8 deep"));
  }
  if (seen.count(d.digest.str())) return absl::OkStatus();
  if (oci::IsIndex(d.media_type)) {
    auto bytes = ReadSmallBlob(source, d);
    if (!bytes.ok()) return bytes.status();
    auto index = oci::Index::Parse(
        *bytes, absl::StrCat("index ", d.digest.str(), " of ", source.name()));
    if (!index.ok()) return index.status();
    for (const oci::Descriptor& m : index->manifests()) {
      if (absl::Status s = Collect(source, m, depth + 1, seen, out); !s.ok())
        return s;
    }
  } else if (oci::IsManifest(d.media_type)) {
    auto bytes = ReadSmallBlob(source, d);
    if (!bytes.ok()) return bytes.status();
    auto manifest = oci::Manifest::Parse(
        *bytes,
        absl::StrCat("manifest ", d.digest.str(), " of ", source.name()));
    if (!manifest.ok()) return manifest.status();
    for (const oci::Descriptor& layer : manifest->layers()) {
      if (seen.insert(layer.digest.str()).second) out.push_back(layer);
    }
    if (seen.insert(manifest->config().digest.str()).second)
      out.push_back(manifest->config());
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(source.name(), ": ", d.digest.str(), " has media type ",
                     d.media_type, ", neither a manifest nor an index"));
  }
  seen.insert(d.digest.str());
  out.push_back(d);
  return absl::OkStatus();
}

class RerootedImage final : public ImageSource {
 public:
  RerootedImage(ImageSource& inner, oci::Descriptor root)
      : inner_(inner), root_(std::move(root)) {}
  const std::string& name() const override { return inner_.name(); }
  const oci::Descriptor& root() const override { return root_; }
  std::vector<std::string> image_names() const override {
    return inner_.image_names();
  }
  absl::StatusOr<std::unique_ptr<BlobStream>> Open(
      const oci::Descriptor& blob) override {
    return inner_.Open(blob);
  }
  bool concurrent_reads() const override { return inner_.concurrent_reads(); }

 private:
  ImageSource& inner_;
  const oci::Descriptor root_;
};

}  // namespace

std::unique_ptr<ImageSource> WithRoot(ImageSource& source,
                                      oci::Descriptor root) {
  return std::make_unique<RerootedImage>(source, std::move(root));
}

std::unique_ptr<BlobStream> StreamOf(std::string bytes) {
  return std::make_unique<StringStream>(std::move(bytes));
}

absl::StatusOr<std::string> ReadSmallBlob(ImageSource& source,
                                          const oci::Descriptor& blob,
                                          size_t limit) {
  if (blob.size > static_cast<int64_t>(limit)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source.name(), ": ", blob.digest.str(), " declares ", blob.size,
        " bytes; at most ", limit, " are accepted for ", blob.media_type));
  }
  auto stream = source.Open(blob);
  if (!stream.ok()) return stream.status();
  std::string data(static_cast<size_t>(blob.size) + 1, '\0');
  size_t got = 0;
  while (got < data.size()) {
    auto n = (*stream)->Read(data.data() + got, data.size() - got);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    got += *n;
  }
  data.resize(got);
  if (static_cast<int64_t>(got) != blob.size) {
    return absl::DataLossError(
        absl::StrCat(source.name(), ": ", blob.digest.str(), " holds ",
                     got > static_cast<size_t>(blob.size) ? "more than " : "",
                     got, " bytes, not the ", blob.size, " declared"));
  }
  oci::Digest actual = oci::Digester::Of(data);
  if (actual != blob.digest) {
    return absl::DataLossError(
        absl::StrCat(source.name(), ": blob ", blob.digest.str(),
                     " does not match its content (", actual.str(), ")"));
  }
  return data;
}

absl::StatusOr<oci::Digest> ConfigDigest(ImageSource& source) {
  auto bytes = ReadSmallBlob(source, source.root());
  if (!bytes.ok()) return bytes.status();
  auto manifest = oci::Manifest::Parse(*bytes, source.name());
  if (!manifest.ok()) return manifest.status();
  return manifest->config().digest;
}

absl::StatusOr<std::vector<oci::Descriptor>> ListBlobs(ImageSource& source) {
  std::set<std::string> seen;
  std::vector<oci::Descriptor> out;
  if (absl::Status s = Collect(source, source.root(), 0, seen, out); !s.ok())
    return s;
  return out;
}

}  // namespace hpc::image
