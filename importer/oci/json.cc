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

namespace {

// The field, or an error naming the document and field.
absl::StatusOr<const Json*> FindField(const Json& doc, absl::string_view field,
                                      absl::string_view what) {
  auto it = doc.find(std::string(field));
  if (it == doc.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": field \"", field, "\" is missing"));
  }
  return &*it;
}

absl::Status WrongType(absl::string_view field, absl::string_view what,
                       absl::string_view type) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": field \"", field, "\" is not ", type));
}

}  // namespace

absl::StatusOr<std::string> GetString(const Json& doc, absl::string_view field,
                                      absl::string_view what) {
  auto value = FindField(doc, field, what);
  if (!value.ok()) return value.status();
  if (!(*value)->is_string()) return WrongType(field, what, "a string");
  return (*value)->get<std::string>();
}

absl::StatusOr<int64_t> GetInt(const Json& doc, absl::string_view field,
                               absl::string_view what) {
  auto value = FindField(doc, field, what);
  if (!value.ok()) return value.status();
  if (!(*value)->is_number_integer())
    return WrongType(field, what, "an integer");
  return (*value)->get<int64_t>();
}

}  // namespace hpc::oci
