#include "importer/windows/wide_path.h"

#include <windows.h>

#include "absl/strings/ascii.h"

namespace hpc::windows {

std::wstring Wide(absl::string_view utf8) {
  if (utf8.empty()) return std::wstring();
  int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(),
                              static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring wide(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()),
                      wide.data(), n);
  return wide;
}

std::string Utf8(std::wstring_view wide) {
  if (wide.empty()) return std::string();
  int n = WideCharToMultiByte(CP_UTF8, 0, wide.data(),
                              static_cast<int>(wide.size()), nullptr, 0,
                              nullptr, nullptr);
  std::string utf8(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()),
                      utf8.data(), n, nullptr, nullptr);
  return utf8;
}

std::wstring WidePath(absl::string_view path) {
  std::wstring wide = Wide(path);
  for (wchar_t& c : wide) {
    if (c == L'/') c = L'\\';
  }
  bool drive = wide.size() >= 3 && wide[1] == L':' && wide[2] == L'\\' &&
               wide[0] < 128 && absl::ascii_isalpha(static_cast<char>(wide[0]));
  if (drive) wide.insert(0, L"\\\\?\\");
  return wide;
}

}  // namespace hpc::windows
