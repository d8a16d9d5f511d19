// A Dockerfile read into instructions: parser directives (`# escape=`),
// comments, line continuations, flags (`--from=x`) and the JSON form of an
// instruction's arguments. Nothing is interpreted here; see image_builder.h.
#ifndef HPC_IMPORTER_DOCKERFILE_DOCKERFILE_H_
#define HPC_IMPORTER_DOCKERFILE_DOCKERFILE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::dockerfile {

// A here-document of RUN, COPY or ADD: "<<EOF" (or <<-EOF, which strips
// leading tabs; <<'EOF' and <<"EOF" are not expanded), its lines up to the
// one that is the delimiter.
struct Heredoc {
  std::string name;     // the delimiter: "EOF"
  std::string content;  // every line with its newline
  bool expand = true;   // false when the delimiter was quoted
};

struct Instruction {
  int line = 0;         // where it starts, from 1
  std::string keyword;  // upper case: "COPY"
  std::string text;  // the whole instruction as written, continuations joined
  // Leading --name[=value] flags (ADD, COPY, FROM), in order.
  std::vector<std::pair<std::string, std::string>> flags;
  std::string arguments;  // the rest, flags removed, trimmed
  // The arguments as a JSON array of strings, when written that way.
  std::optional<std::vector<std::string>> json;
  // Here-documents, in the order their <<NAME appear in the arguments.
  std::vector<Heredoc> heredocs;
};

struct Dockerfile {
  std::string name;    // for messages: "Dockerfile.windows"
  char escape = '\\';  // from `# escape=`
  std::string syntax;  // from `# syntax=`: a BuildKit frontend, not used
  std::vector<Instruction> instructions;
};

// `name` prefixes errors: "Dockerfile.windows:7: ...".
absl::StatusOr<Dockerfile> ParseDockerfile(absl::string_view text,
                                           absl::string_view name);

// An error about `instruction`, prefixed with the file and line.
absl::Status InstructionError(const Dockerfile& file,
                              const Instruction& instruction,
                              absl::string_view message);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_DOCKERFILE_H_
