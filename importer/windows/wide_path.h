// UTF-8, as the project keeps every string, to and from the UTF-16 that
// Win32's wide calls take.
#ifndef HPC_IMPORTER_WINDOWS_WIDE_PATH_H_
#define HPC_IMPORTER_WINDOWS_WIDE_PATH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace hpc::windows {

std::wstring Wide(absl::string_view utf8);
std::string Utf8(std::wstring_view wide);

// A path for Win32's wide file calls: '/' becomes '\', and a drive path
// gets the \\?\ prefix, so no length limit or name rewriting applies.
std::wstring WidePath(absl::string_view path);

}  // namespace hpc::windows

namespace hpc::store {
using hpc::windows::Utf8;
using hpc::windows::WidePath;
}  // namespace hpc::store

#endif  // HPC_IMPORTER_WINDOWS_WIDE_PATH_H_
