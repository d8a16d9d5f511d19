#include "importer/cli/byte_size.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hpc::cli {

absl::StatusOr<int64_t> ParseByteSize(absl::string_view text,
                                      absl::string_view flag) {
  size_t digits = 0;
  while (digits < text.size() && absl::ascii_isdigit(text[digits])) ++digits;
  uint64_t number = 0;
  const std::string unit = absl::AsciiStrToLower(text.substr(digits));
  int shift = -1;
  if (unit.empty() || unit == "b") shift = 0;
  if (unit == "k" || unit == "kb" || unit == "kib") shift = 10;
  if (unit == "m" || unit == "mb" || unit == "mib") shift = 20;
  if (unit == "g" || unit == "gb" || unit == "gib") shift = 30;
  if (unit == "t" || unit == "tb" || unit == "tib") shift = 40;
  if (digits == 0 || shift < 0 ||
      !absl::SimpleAtoi(text.substr(0, digits), &number) ||
      number > (uint64_t{INT64_MAX} >> shift) || number == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " \"", text,
                     "\": expected a size such as 512MiB or 64GiB"));
  }
  return static_cast<int64_t>(number << shift);
}

}  // namespace hpc::cli
