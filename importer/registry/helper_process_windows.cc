#include <windows.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "importer/registry/helper_process.h"
#include "importer/windows/wide_path.h"
#include "importer/windows/win32_status.h"

namespace hpc::registry {
namespace {

// A handle closed when it goes out of scope.
struct OwnedHandle {
  HANDLE h = nullptr;
  OwnedHandle() = default;
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  ~OwnedHandle() { Close(); }
  void Close() {
    if (h != nullptr && h != INVALID_HANDLE_VALUE) CloseHandle(h);
    h = nullptr;
  }
};

}  // namespace

absl::StatusOr<HelperExit> RunHelperProcess(const std::string& program,
                                            const std::string& argument,
                                            const std::string& input) {
  // Found on PATH first, so that a missing helper is told apart from one
  // that cannot start.
  std::wstring name = windows::Wide(program);
  wchar_t found[MAX_PATH];
  DWORD length = SearchPathW(nullptr, name.c_str(), L".exe", MAX_PATH, found,
                             nullptr);
  if (length == 0 || length >= MAX_PATH) {
    return absl::NotFoundError(absl::StrCat(program, " is not on PATH"));
  }
  SECURITY_ATTRIBUTES inherit{sizeof(inherit), nullptr, TRUE};
  OwnedHandle in_read, in_write, out_read, out_write;
  if (!CreatePipe(&in_read.h, &in_write.h, &inherit, 0) ||
      !CreatePipe(&out_read.h, &out_write.h, &inherit, 0)) {
    return windows::Win32Status(GetLastError(), "pipe for", program);
  }
  // Only the child's ends are inherited.
  SetHandleInformation(in_write.h, HANDLE_FLAG_INHERIT, 0);
  SetHandleInformation(out_read.h, HANDLE_FLAG_INHERIT, 0);
  STARTUPINFOW startup{};
  startup.cb = sizeof(startup);
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = in_read.h;
  startup.hStdOutput = out_write.h;
  startup.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  std::wstring command_line =
      L"\"" + std::wstring(found) + L"\" " + windows::Wide(argument);
  PROCESS_INFORMATION process{};
  if (!CreateProcessW(found, command_line.data(), nullptr, nullptr, TRUE,
                      CREATE_NO_WINDOW, nullptr, nullptr, &startup,
                      &process)) {
    return absl::UnavailableError(
        absl::StrCat("cannot run ", program, ": ",
                     windows::Win32Message(GetLastError())));
  }
  OwnedHandle child, thread;
  child.h = process.hProcess;
  thread.h = process.hThread;
  in_read.Close();
  out_write.Close();
  // A helper that exits without reading makes the write fail; its answer
  // is still read below.
  DWORD written = 0;
  WriteFile(in_write.h, input.data(), static_cast<DWORD>(input.size()),
            &written, nullptr);
  in_write.Close();
  HelperExit exit;
  char buffer[4096];
  DWORD n = 0;
  while (ReadFile(out_read.h, buffer, sizeof(buffer), &n, nullptr) && n > 0) {
    if (exit.output.size() < (1 << 20)) exit.output.append(buffer, n);
  }
  WaitForSingleObject(child.h, INFINITE);
  DWORD code = 1;
  GetExitCodeProcess(child.h, &code);
  exit.exited_zero = code == 0;
  return exit;
}

}  // namespace hpc::registry
