// Variable substitution and quoting in Dockerfile arguments, as Docker does
// it for ADD, COPY, ENV, EXPOSE, FROM, LABEL, STOPSIGNAL, USER, VOLUME and
// WORKDIR: $NAME and ${NAME}, ${NAME:-word}, ${NAME:+word}, ${NAME-word},
// ${NAME+word}, ${NAME:?message}, ${NAME?message}; 'single quotes' are
// literal, "double quotes" expand; the escape character (\ or `) takes the
// next character literally outside quotes, and before ", $ or itself inside
// double quotes.
#ifndef HPC_IMPORTER_DOCKERFILE_WORD_EXPANSION_H_
#define HPC_IMPORTER_DOCKERFILE_WORD_EXPANSION_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::dockerfile {

using Variables = std::map<std::string, std::string>;

// One word, quotes removed and variables expanded.
absl::StatusOr<std::string> ExpandWord(absl::string_view word,
                                       const Variables& variables, char escape);

// `text` with its variables expanded and nothing else: quotes stay, \$ is
// a dollar (a COPY here-document whose delimiter was not quoted).
absl::StatusOr<std::string> ExpandVariables(absl::string_view text,
                                            const Variables& variables);

// Words split at unquoted, unescaped white space, each expanded.
absl::StatusOr<std::vector<std::string>> ExpandWords(absl::string_view text,
                                                     const Variables& variables,
                                                     char escape);

struct KeyValue {
  std::string key;
  std::optional<std::string> value;  // ARG NAME has none
};

// The KEY=VALUE pairs of ENV, LABEL and ARG. `legacy_form` accepts
// "KEY VALUE" (the rest of the line is the value) when the first word has
// no "="; `value_optional` accepts a bare KEY (ARG).
absl::StatusOr<std::vector<KeyValue>> ParseKeyValues(absl::string_view text,
                                                     const Variables& variables,
                                                     char escape,
                                                     bool legacy_form,
                                                     bool value_optional);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_WORD_EXPANSION_H_
