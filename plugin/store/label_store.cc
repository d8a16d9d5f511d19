#include "plugin/store/label_store.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hpc::store {

namespace {
// Enough for hundreds of labels at containerd's size limit each.
constexpr size_t kLabelFileLimit = 4 << 20;
}  // namespace

LabelStore::LabelStore(FileSystem& fs, std::string dir)
    : fs_(fs), dir_(std::move(dir)) {}

absl::Status LabelStore::Init() {
  std::string sha256 = absl::StrCat(dir_, "/sha256");
  if (absl::Status s = MakeDirs(fs_, sha256, 0700); !s.ok()) return s;
  auto names = fs_.ListDir(sha256);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (absl::EndsWith(name, ".tmp")) {
      fs_.Remove(absl::StrCat(sha256, "/", name)).IgnoreError();
    }
  }
  return absl::OkStatus();
}

std::string LabelStore::PathOf(const oci::Digest& digest) const {
  return absl::StrCat(dir_, "/sha256/", digest.hex());
}

absl::StatusOr<Labels> LabelStore::Get(const oci::Digest& digest) const {
  std::string path = PathOf(digest);
  auto text = ReadSmallFile(fs_, path, kLabelFileLimit);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) return Labels();
    return text.status();
  }
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::DataLossError(
        absl::StrCat("labels of ", digest.str(), " in ", path,
                     " are not a JSON object; remove the file to clear them"));
  }
  Labels labels;
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_string()) {
      return absl::DataLossError(
          absl::StrCat("label \"", key, "\" of ", digest.str(), " in ", path,
                       " is not a string; remove the file to clear them"));
    }
    labels.emplace(key, value.get<std::string>());
  }
  return labels;
}

absl::Status LabelStore::Set(const oci::Digest& digest, const Labels& labels) {
  if (labels.empty()) return Remove(digest);
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [key, value] : labels) doc[key] = value;
  // Labels are client data: replace invalid UTF-8 rather than fail.
  std::string text =
      doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return WriteFileAtomic(fs_, PathOf(digest), text, 0600,
                         Durability::kPowerLoss);
}

absl::Status LabelStore::Remove(const oci::Digest& digest) {
  absl::Status s = fs_.Remove(PathOf(digest));
  return absl::IsNotFound(s) ? absl::OkStatus() : s;
}

}  // namespace hpc::store
