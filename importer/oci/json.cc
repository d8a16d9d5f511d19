#include "importer/oci/json.h"

#include "absl/strings/str_cat.h"

namespace hpc::oci {

absl::StatusOr<Json> ParseJsonObject(absl::string_view text,
                                     absl::string_view what) {
  if (text.size() > kMaxJsonBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", text.size(), " bytes of JSON, more than the ",
                     kMaxJsonBytes, " accepted"));
  }
  int depth = 0;
  bool too_deep = false;
  auto limit = [&](int d, Json::parse_event_t event, Json&) {
    if (event == Json::parse_event_t::object_start ||
        event == Json::parse_event_t::array_start) {
      if (d >= kMaxJsonDepth) too_deep = true;
    }
    depth = d;
    return !too_deep;
  };
  Json doc =
      Json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/false);
  if (too_deep) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": JSON nested deeper than ", kMaxJsonDepth, " levels"));
  }
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": not valid JSON"));
  }
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": not a JSON object"));
  }
  return doc;
}

std::string CanonicalJson(const Json& doc) {
  return doc.dump(-1, ' ', false, Json::error_handler_t::strict);
}

absl::StatusOr<std::string> GetString(const Json& doc, absl::string_view field,
                                      absl::string_view what) {
  auto it = doc.find(std::string(field));
  if (it == doc.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": field \"", field, "\" is missing"));
  }
  if (!it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": field \"", field, "\" is not a string"));
  }
  return it->get<std::string>();
}

absl::StatusOr<int64_t> GetInt(const Json& doc, absl::string_view field,
                               absl::string_view what) {
  auto it = doc.find(std::string(field));
  if (it == doc.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": field \"", field, "\" is missing"));
  }
  if (!it->is_number_integer()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": field \"", field, "\" is not an integer"));
  }
  return it->get<int64_t>();
}

}  // namespace hpc::oci
