#include "importer/transport/archive_source.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/archive/archive_reader.h"
#include "importer/oci/digester.h"
#include "importer/oci/image_config.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"
#include "importer/transport/layout_index.h"

namespace hpc::transport {

// What one pass over an archive found.
struct ArchiveCatalog {
  std::map<std::string, int64_t> files;      // regular files: size
  std::map<std::string, std::string> small;  // their content, when small
  std::map<std::string, std::string> heads;  // the first bytes of large ones
  std::map<std::string, std::string> links;  // links: target
  std::map<std::string, size_t> order;       // files: position in the archive
};

namespace {

using archive::ArchiveEntry;
using archive::ArchiveReader;

// Entries up to this size are read into memory when the archive is opened.
constexpr size_t kSmallEntry = 1 << 20;
// All small entries together; more means this is no image archive.
constexpr size_t kSmallTotal = 64 << 20;
constexpr size_t kCopyBuffer = 1 << 20;

enum class Compression { kNone, kGzip, kZstd };

Compression Detect(absl::string_view head) {
  if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1F &&
      static_cast<unsigned char>(head[1]) == 0x8B) {
    return Compression::kGzip;
  }
  if (head.size() >= 4 &&
      head.substr(0, 4) == absl::string_view("\x28\xB5\x2F\xFD", 4)) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

absl::StatusOr<ArchiveCatalog> ReadCatalog(
    const std::string& file, const std::string& name,
    const archive::ArchiveLimits& limits) {
  auto reader = ArchiveReader::Open(file, name);
  if (!reader.ok()) return reader.status();
  ArchiveCatalog catalog;
  size_t small_total = 0;
  int64_t total = 0;
  for (size_t ordinal = 0;; ++ordinal) {
    auto entry = (*reader)->Next();
    if (!entry.ok()) return entry.status();
    if (!entry->has_value()) break;
    const ArchiveEntry& e = **entry;
    if (static_cast<int64_t>(ordinal) >= limits.max_entries) {
      return absl::ResourceExhaustedError(
          absl::StrCat(name, ": more than ", limits.max_entries,
                       " entries; refused (--max-archive-entries raises "
                       "the limit)"));
    }
    if (e.size > limits.max_entry_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat(name, ": entry ", e.path, " holds ", e.size,
                       " bytes, more than the ", limits.max_entry_bytes,
                       " allowed (--max-entry-size raises the limit)"));
    }
    total += e.size;
    if (total > limits.max_total_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          name, ": holds more than ", limits.max_total_bytes,
          " bytes once decompressed (--max-archive-size raises the limit)"));
    }
    if (e.type == ArchiveEntry::Type::kOther) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": entry ", e.path,
                       " is a device or special file; image archives hold "
                       "none"));
    }
    if (e.type == ArchiveEntry::Type::kSymlink ||
        e.type == ArchiveEntry::Type::kHardlink) {
      catalog.links[e.path] = e.link_target;
      continue;
    }
    if (e.type != ArchiveEntry::Type::kFile) continue;
    catalog.files[e.path] = e.size;
    catalog.order[e.path] = ordinal;
    if (static_cast<size_t>(e.size) <= kSmallEntry) {
      auto data = (*reader)->ReadAll(kSmallEntry);
      if (!data.ok()) return data.status();
      small_total += data->size();
      if (small_total > kSmallTotal) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": more than ", kSmallTotal,
                         " bytes of small entries; not an image archive"));
      }
      catalog.small[e.path] = std::move(*data);
    } else {
      char head[8];
      auto n = (*reader)->Read(head, sizeof(head));
      if (!n.ok()) return n.status();
      catalog.heads[e.path] = std::string(head, *n);
    }
  }
  return catalog;
}

// Streams one entry of the archive from a reader it may share: the stream
// stays valid until the reader moves on (its generation changes).
class EntryStream final : public image::BlobStream {
 public:
  EntryStream(std::shared_ptr<ArchiveReader> reader,
              std::shared_ptr<const uint64_t> generation)
      : reader_(std::move(reader)),
        generation_(std::move(generation)),
        mine_(*generation_) {}
  absl::StatusOr<size_t> Read(char* dst, size_t n) override {
    if (*generation_ != mine_) {
      return absl::FailedPreconditionError(
          "archive entry stream read after the archive moved on");
    }
    return reader_->Read(dst, n);
  }

 private:
  std::shared_ptr<ArchiveReader> reader_;
  std::shared_ptr<const uint64_t> generation_;
  uint64_t mine_;
};

// Hands out entries in archive order from a single pass over the archive,
// so a compressed archive is decompressed once when blobs are asked for in
// the order they are stored; it starts over only for an entry behind it.
class ArchiveCursor {
 public:
  ArchiveCursor(std::string file, std::string name)
      : file_(std::move(file)), name_(std::move(name)) {}

  absl::StatusOr<std::unique_ptr<image::BlobStream>> Seek(
      const std::string& path, size_t ordinal) {
    ++*generation_;
    if (reader_ == nullptr || ordinal < position_) {
      auto reader = ArchiveReader::Open(file_, name_);
      if (!reader.ok()) return reader.status();
      reader_ = std::move(*reader);
      position_ = 0;
    }
    while (true) {
      auto entry = reader_->Next();
      if (!entry.ok()) return entry.status();
      if (!entry->has_value()) {
        return absl::NotFoundError(
            absl::StrCat(name_, ": entry ", path, " vanished"));
      }
      size_t at = position_++;
      if (at < ordinal) continue;
      if ((*entry)->path != path ||
          (*entry)->type != ArchiveEntry::Type::kFile) {
        return absl::DataLossError(
            absl::StrCat(name_, ": the archive changed while it was read"));
      }
      return std::unique_ptr<image::BlobStream>(
          new EntryStream(reader_, generation_));
    }
  }

 private:
  std::string file_;
  std::string name_;
  std::shared_ptr<ArchiveReader> reader_;
  size_t position_ = 0;  // the entry the reader returns next
  std::shared_ptr<uint64_t> generation_ = std::make_shared<uint64_t>(0);
};

// An image in an archive: some blobs in memory, the others streamed from
// their entries.
class ArchiveImage final : public image::ImageSource {
 public:
  ArchiveImage(std::string name, std::string file)
      : name_(std::move(name)), file_(std::move(file)), cursor_(file_, name_) {}

  const std::string& name() const override { return name_; }
  const oci::Descriptor& root() const override { return root_; }
  std::vector<std::string> image_names() const override { return names_; }

  absl::StatusOr<std::unique_ptr<image::BlobStream>> Open(
      const oci::Descriptor& blob) override {
    if (auto it = memory_.find(blob.digest.str()); it != memory_.end()) {
      return image::StreamOf(it->second);
    }
    if (auto it = entries_.find(blob.digest.str()); it != entries_.end()) {
      return cursor_.Seek(it->second, order_[it->second]);
    }
    return absl::NotFoundError(absl::StrCat(name_, ": blob ", blob.digest.str(),
                                            " is not in the archive"));
  }

  std::string name_;
  std::string file_;
  oci::Descriptor root_;
  std::vector<std::string> names_;
  std::map<std::string, std::string> memory_;   // digest: bytes
  std::map<std::string, std::string> entries_;  // digest: entry path
  std::map<std::string, size_t> order_;         // entry path: position
  ArchiveCursor cursor_;
};

// Blobs stored by digest under blobs/sha256/.
void AddLayoutBlobs(const ArchiveCatalog& catalog, ArchiveImage& image) {
  constexpr absl::string_view kPrefix = "blobs/sha256/";
  for (const auto& [path, size] : catalog.files) {
    if (!absl::StartsWith(path, kPrefix)) continue;
    auto digest = oci::Digest::FromHex(path.substr(kPrefix.size()));
    if (!digest.ok()) continue;
    if (auto small = catalog.small.find(path); small != catalog.small.end()) {
      image.memory_[digest->str()] = small->second;
    } else {
      image.entries_[digest->str()] = path;
    }
  }
}

absl::Status LinkError(const ArchiveCatalog& catalog, const std::string& path,
                       const std::string& name) {
  if (auto link = catalog.links.find(path); link != catalog.links.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": entry ", path, " is a link to ", link->second,
                     "; links are not followed"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": entry ", path, " is missing"));
}

}  // namespace

namespace {

absl::StatusOr<ArchiveContents> ListImages(const std::string& path,
                                           const ArchiveCatalog& catalog_ref) {
  const ArchiveCatalog* catalog = &catalog_ref;
  ArchiveContents contents;
  if (auto index = catalog->small.find("index.json");
      index != catalog->small.end()) {
    contents.transport = Transport::kOciArchive;
    auto parsed =
        oci::Index::Parse(index->second, absl::StrCat("index.json of ", path));
    if (!parsed.ok()) return parsed.status();
    std::vector<std::string> names;
    for (const oci::Descriptor& d : parsed->manifests()) {
      auto full = d.annotations.find(kContainerdNameAnnotation);
      auto ref = d.annotations.find(kRefNameAnnotation);
      if (full != d.annotations.end()) {
        names.push_back(full->second);
      } else if (ref != d.annotations.end()) {
        names.push_back(ref->second);
      }
    }
    // Unnamed entries make one image (the layout's index) unless named.
    if (names.size() == parsed->manifests().size() && names.size() > 1) {
      contents.images = names;
    } else {
      contents.images = {""};
    }
    return contents;
  }
  if (auto manifest = catalog->small.find("manifest.json");
      manifest != catalog->small.end()) {
    contents.transport = Transport::kDockerArchive;
    oci::Json list = oci::Json::parse(manifest->second, nullptr, false);
    if (list.is_array() && list.size() > 1) {
      for (const oci::Json& entry : list) {
        oci::Json tags = entry.is_object()
                             ? entry.value("RepoTags", oci::Json::array())
                             : oci::Json::array();
        if (!tags.is_array() || tags.empty() || !tags[0].is_string()) {
          return absl::InvalidArgumentError(absl::StrCat(
              path,
              " holds several images and one has no RepoTags to select it by"));
        }
        contents.images.push_back(tags[0].get<std::string>());
      }
    } else {
      contents.images = {""};
    }
    return contents;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": neither index.json nor manifest.json: not an image archive"));
}

absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenOciArchiveFrom(
    const Reference& reference, const ArchiveCatalog* catalog) {
  auto index = catalog->small.find("index.json");
  if (index == catalog->small.end()) {
    if (catalog->files.count("manifest.json")) {
      return absl::InvalidArgumentError(absl::StrCat(
          reference.text,
          ": no index.json but a manifest.json: this is a docker-archive"));
    }
    return LinkError(*catalog, "index.json", reference.text);
  }
  auto selection =
      SelectFromLayoutIndex(index->second, reference.tag, reference.text);
  if (!selection.ok()) return selection.status();
  auto image = std::make_unique<ArchiveImage>(reference.text, reference.path);
  AddLayoutBlobs(*catalog, *image);
  image->order_ = catalog->order;
  image->root_ = selection->root;
  image->names_ = selection->names;
  if (selection->root_is_layout_index) {
    image->memory_[selection->root.digest.str()] = index->second;
  }
  return std::unique_ptr<image::ImageSource>(std::move(image));
}

absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenDockerArchiveFrom(
    const Reference& reference, const ArchiveCatalog* catalog) {
  const std::string& name = reference.text;
  auto manifest_json = catalog->small.find("manifest.json");
  if (manifest_json == catalog->small.end()) {
    return LinkError(*catalog, "manifest.json", name);
  }
  oci::Json list = oci::Json::parse(manifest_json->second, nullptr, false);
  if (list.is_discarded() || !list.is_array() || list.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": manifest.json is not a non-empty JSON array"));
  }

  // The image: named by REF among the RepoTags, or the only one.
  const oci::Json* chosen = nullptr;
  std::vector<std::string> all_tags;
  for (const oci::Json& entry : list) {
    if (!entry.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": manifest.json entry is not an object"));
    }
    for (const oci::Json& tag : entry.value("RepoTags", oci::Json::array())) {
      if (!tag.is_string()) continue;
      all_tags.push_back(tag.get<std::string>());
      if (!reference.tag.empty() && tag.get<std::string>() == reference.tag)
        chosen = &entry;
    }
  }
  if (!reference.tag.empty() && chosen == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        name, ": no image tagged \"", reference.tag, "\"; it holds ",
        all_tags.empty() ? "only untagged images"
                         : absl::StrJoin(all_tags, ", ")));
  }
  if (chosen == nullptr) {
    if (list.size() > 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, " holds ", list.size(), " images; name one with :REF (",
          absl::StrJoin(all_tags, ", "), ")"));
    }
    chosen = &list[0];
  }

  auto image = std::make_unique<ArchiveImage>(name, reference.path);
  image->order_ = catalog->order;
  for (const oci::Json& tag : chosen->value("RepoTags", oci::Json::array())) {
    if (tag.is_string()) image->names_.push_back(tag.get<std::string>());
  }

  // Config.
  auto config_path = oci::GetString(*chosen, "Config",
                                    absl::StrCat("manifest.json of ", name));
  if (!config_path.ok()) return config_path.status();
  auto clean_config = archive::CleanEntryPath(*config_path);
  if (!clean_config.ok())
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", clean_config.status().message()));
  auto config_bytes = catalog->small.find(*clean_config);
  if (config_bytes == catalog->small.end())
    return LinkError(*catalog, *clean_config, name);
  auto config = oci::ImageConfig::Parse(config_bytes->second,
                                        absl::StrCat("config of ", name));
  if (!config.ok()) return config.status();
  oci::Descriptor config_desc =
      oci::DescribeBytes(oci::kDockerConfig, config_bytes->second);
  image->memory_[config_desc.digest.str()] = config_bytes->second;

  // Layers.
  auto layers = chosen->find("Layers");
  if (layers == chosen->end() || !layers->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": manifest.json entry has no Layers"));
  }
  const std::vector<oci::Digest> diff_ids = config->diff_ids();
  if (diff_ids.size() != layers->size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": ", layers->size(), " layers but the config lists ",
        diff_ids.size(), " diff IDs"));
  }
  std::vector<oci::Descriptor> layer_descs;
  for (size_t i = 0; i < layers->size(); ++i) {
    if (!(*layers)[i].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": layer ", i + 1, " is not a path"));
    }
    auto path = archive::CleanEntryPath((*layers)[i].get<std::string>());
    if (!path.ok())
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": ", path.status().message()));
    auto file = catalog->files.find(*path);
    if (file == catalog->files.end()) return LinkError(*catalog, *path, name);
    oci::Descriptor d;
    d.size = file->second;
    std::string head;
    if (auto small = catalog->small.find(*path);
        small != catalog->small.end()) {
      head = small->second.substr(0, 8);
      d.digest = oci::Digester::Of(small->second);
      image->memory_[d.digest.str()] = small->second;
    } else {
      head = catalog->heads.at(*path);
    }
    Compression compression = Detect(head);
    d.media_type =
        std::string(compression == Compression::kGzip   ? oci::kDockerLayerGzip
                    : compression == Compression::kZstd ? oci::kOciLayerZstd
                                                        : oci::kDockerLayer);
    if (d.digest.empty()) {
      if (compression == Compression::kNone) {
        // An uncompressed layer's digest is its diff ID; copying verifies it.
        d.digest = diff_ids[i];
      } else {
        auto stream = image->cursor_.Seek(*path, catalog->order.at(*path));
        if (!stream.ok()) return stream.status();
        oci::Digester digester;
        std::string buffer(kCopyBuffer, '\0');
        while (true) {
          auto n = (*stream)->Read(buffer.data(), buffer.size());
          if (!n.ok()) return n.status();
          if (*n == 0) break;
          digester.Update(absl::string_view(buffer.data(), *n));
        }
        d.digest = digester.Current();
      }
      image->entries_[d.digest.str()] = *path;
    }
    layer_descs.push_back(d);
  }
  oci::Manifest manifest = oci::Manifest::Make(oci::MediaTypeFormat::kDocker,
                                               config_desc, layer_descs);
  std::string manifest_bytes = manifest.Serialize();
  image->root_ = oci::DescribeBytes(oci::kDockerManifest, manifest_bytes);
  image->memory_[image->root_.digest.str()] = std::move(manifest_bytes);
  return std::unique_ptr<image::ImageSource>(std::move(image));
}

}  // namespace

absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenOciArchive(
    const Reference& reference, const archive::ArchiveLimits& limits) {
  auto catalog = ReadCatalog(reference.path, reference.text, limits);
  if (!catalog.ok()) return catalog.status();
  return OpenOciArchiveFrom(reference, &*catalog);
}

absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenDockerArchive(
    const Reference& reference, const archive::ArchiveLimits& limits) {
  auto catalog = ReadCatalog(reference.path, reference.text, limits);
  if (!catalog.ok()) return catalog.status();
  return OpenDockerArchiveFrom(reference, &*catalog);
}

ImageArchive::ImageArchive() = default;
ImageArchive::~ImageArchive() = default;

absl::StatusOr<std::unique_ptr<ImageArchive>> ImageArchive::Open(
    const std::string& path, const archive::ArchiveLimits& limits) {
  auto catalog = ReadCatalog(path, path, limits);
  if (!catalog.ok()) return catalog.status();
  std::unique_ptr<ImageArchive> archive(new ImageArchive());
  archive->path_ = path;
  archive->catalog_ = std::make_unique<ArchiveCatalog>(std::move(*catalog));
  auto contents = ListImages(path, *archive->catalog_);
  if (!contents.ok()) return contents.status();
  archive->contents_ = std::move(*contents);
  return archive;
}

absl::StatusOr<std::unique_ptr<image::ImageSource>> ImageArchive::OpenImage(
    const std::string& tag) const {
  Reference reference;
  reference.transport = contents_.transport;
  reference.path = path_;
  reference.tag = tag;
  reference.text = absl::StrCat(TransportName(contents_.transport), ":", path_,
                                tag.empty() ? "" : ":", tag);
  return contents_.transport == Transport::kOciArchive
             ? OpenOciArchiveFrom(reference, catalog_.get())
             : OpenDockerArchiveFrom(reference, catalog_.get());
}

}  // namespace hpc::transport
