// JSON documents of images (index, manifest, config), parsed with limits and
// written deterministically.
//
// Documents are kept as nlohmann::json trees, so fields this code does not
// know survive a read-modify-write. Objects are written with sorted keys and
// no insignificant white space, so the same content always has the same
// digest.
#ifndef HPC_IMPORTER_OCI_JSON_H_
#define HPC_IMPORTER_OCI_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::oci {

using Json = nlohmann::json;

// Image documents are small; anything larger is refused before parsing.
inline constexpr size_t kMaxJsonBytes = 4 << 20;
inline constexpr int kMaxJsonDepth = 64;

// Parses `text`; `what` names the document in errors ("manifest of
// oci-archive:app.tar", ...). Refuses documents over kMaxJsonBytes or nested
// deeper than kMaxJsonDepth, and anything that is not a JSON object.
absl::StatusOr<Json> ParseJsonObject(absl::string_view text,
                                     absl::string_view what);

// The canonical bytes of `doc`.
std::string CanonicalJson(const Json& doc);

// Typed access to fields, with errors that name the document and field.
absl::StatusOr<std::string> GetString(const Json& doc, absl::string_view field,
                                      absl::string_view what);
absl::StatusOr<int64_t> GetInt(const Json& doc, absl::string_view field,
                               absl::string_view what);

}  // namespace hpc::oci

#endif  // HPC_IMPORTER_OCI_JSON_H_
