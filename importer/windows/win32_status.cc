#include "importer/windows/win32_status.h"

#include <windows.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hpc::windows {

std::string Win32Message(uint32_t error) {
  wchar_t* text = nullptr;
  DWORD n = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
          FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, error, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string message;
  if (n > 0 && text != nullptr) {
    int size = WideCharToMultiByte(CP_UTF8, 0, text, static_cast<int>(n),
                                   nullptr, 0, nullptr, nullptr);
    message.resize(size);
    WideCharToMultiByte(CP_UTF8, 0, text, static_cast<int>(n), message.data(),
                        size, nullptr, nullptr);
  }
  if (text != nullptr) LocalFree(text);
  absl::StripAsciiWhitespace(&message);
  if (message.empty()) message = "unknown error";
  return message;
}

absl::Status Win32Status(uint32_t error, absl::string_view what,
                         absl::string_view subject) {
  std::string message = absl::StrCat(
      what, " ", subject, ": ", Win32Message(error), " (error ", error, ")");
  switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_DIRECTORY:
      return absl::NotFoundError(message);
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
    case ERROR_DIR_NOT_EMPTY:
      return absl::AlreadyExistsError(message);
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
    case ERROR_TOO_MANY_OPEN_FILES:
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_NOT_ENOUGH_QUOTA:
      return absl::ResourceExhaustedError(message);
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_WRITE_PROTECT:
    case ERROR_PRIVILEGE_NOT_HELD:
      return absl::PermissionDeniedError(message);
    case ERROR_INVALID_NAME:
    case ERROR_INVALID_PARAMETER:
    case ERROR_BAD_PATHNAME:
    case ERROR_FILENAME_EXCED_RANGE:
      return absl::InvalidArgumentError(message);
    case ERROR_PIPE_BUSY:
    case ERROR_PIPE_NOT_CONNECTED:
    case ERROR_NO_DATA:
    case ERROR_BROKEN_PIPE:
    case ERROR_SEM_TIMEOUT:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace hpc::windows
