#include "plugin/store/info.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "importer/log/quote.h"

namespace hpc::store {

absl::Status ValidateRef(absl::string_view ref) {
  if (ref.empty()) return absl::InvalidArgumentError("ref must not be empty");
  if (ref.size() > kMaxRefLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("ref is ", ref.size(), " bytes long; at most ",
                     kMaxRefLength, " are accepted"));
  }
  if (ref.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError("ref must not contain NUL bytes");
  }
  return absl::OkStatus();
}

absl::Status ValidateLabels(const Labels& labels) {
  for (const auto& [key, value] : labels) {
    if (key.empty()) {
      return absl::InvalidArgumentError("label key must not be empty");
    }
    if (key.size() + value.size() > kMaxLabelSize) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "label %s: key and value are %d bytes together; at most %d are "
          "accepted",
          log::Quote(key, 64), key.size() + value.size(), kMaxLabelSize));
    }
  }
  return absl::OkStatus();
}

}  // namespace hpc::store
