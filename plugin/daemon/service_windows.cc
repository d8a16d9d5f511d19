#include <windows.h>

#include "absl/strings/str_cat.h"
#include "importer/windows/wide_path.h"
#include "importer/windows/win32_status.h"
#include "plugin/daemon/process.h"
#include "plugin/daemon/service.h"

namespace hpc::daemon {

namespace {

using windows::Wide;
using windows::Win32Status;

// A command-line argument quoted as CommandLineToArgvW reads it back.
std::wstring Quote(const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\"") == std::wstring::npos)
    return arg;
  std::wstring out = L"\"";
  size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"')
      out.append(backslashes * 2 + 1, L'\\');
    else
      out.append(backslashes, L'\\');
    backslashes = 0;
    out.push_back(c);
  }
  out.append(backslashes * 2, L'\\');
  out.push_back(L'"');
  return out;
}

struct ServiceHandle {
  SC_HANDLE h = nullptr;
  ~ServiceHandle() {
    if (h != nullptr) CloseServiceHandle(h);
  }
};

// The state RunService shares with the control manager's threads.
SERVICE_STATUS_HANDLE status_handle = nullptr;
SERVICE_STATUS status{};
const std::function<int()>* serve_fn = nullptr;

void Report(DWORD state, DWORD exit_code = NO_ERROR) {
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                               : 0;
  status.dwWin32ExitCode =
      exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  status.dwServiceSpecificExitCode = exit_code;
  status.dwWaitHint = state == SERVICE_RUNNING ? 0 : 15000;
  SetServiceStatus(status_handle, &status);
}

DWORD WINAPI OnControl(DWORD control, DWORD, void*, void*) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      Report(SERVICE_STOP_PENDING);
      RequestStop(control == SERVICE_CONTROL_STOP ? "service stop"
                                                  : "system shutdown");
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI ServiceMain(DWORD, wchar_t**) {
  std::wstring name = Wide(kServiceName);
  status_handle =
      RegisterServiceCtrlHandlerExW(name.c_str(), OnControl, nullptr);
  if (status_handle == nullptr) return;
  Report(SERVICE_START_PENDING);
  Report(SERVICE_RUNNING);
  int code = (*serve_fn)();
  Report(SERVICE_STOPPED, static_cast<DWORD>(code));
}

}  // namespace

absl::Status InstallService(const std::vector<std::string>& flags) {
  wchar_t exe[MAX_PATH * 4];
  DWORD n = GetModuleFileNameW(nullptr, exe, MAX_PATH * 4);
  if (n == 0) return Win32Status(GetLastError(), "find", "this executable");
  std::wstring command = Quote(exe);
  for (const std::string& flag : flags) command += L" " + Quote(Wide(flag));
  command += L" --service run";

  ServiceHandle manager{
      OpenSCManagerW(nullptr, nullptr, SC_MANAGER_ALL_ACCESS)};
  if (manager.h == nullptr)
    return Win32Status(GetLastError(), "open", "the service control manager");
  std::wstring name = Wide(kServiceName);
  ServiceHandle service{CreateServiceW(
      manager.h, name.c_str(), L"hpc-content-plugin (containerd content store)",
      SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
      SERVICE_ERROR_NORMAL, command.c_str(), nullptr, nullptr, nullptr, nullptr,
      nullptr)};
  if (service.h == nullptr) {
    DWORD err = GetLastError();
    if (err == ERROR_SERVICE_EXISTS) {
      return absl::AlreadyExistsError(absl::StrCat(
          "service ", kServiceName,
          " is installed already; --service uninstall removes it"));
    }
    return Win32Status(err, "create service", kServiceName);
  }
  SERVICE_DESCRIPTIONW description{const_cast<wchar_t*>(
      L"Serves containerd's content store from disk and puts the HostProcess "
      L"base image and preloaded images into containerd.")};
  ChangeServiceConfig2W(service.h, SERVICE_CONFIG_DESCRIPTION, &description);
  // Restart after a crash, as a node's services are expected to.
  SC_ACTION restart{SC_ACTION_RESTART, 5000};
  SERVICE_FAILURE_ACTIONSW failure{86400, nullptr, nullptr, 1, &restart};
  ChangeServiceConfig2W(service.h, SERVICE_CONFIG_FAILURE_ACTIONS, &failure);
  return absl::OkStatus();
}

absl::Status UninstallService() {
  ServiceHandle manager{
      OpenSCManagerW(nullptr, nullptr, SC_MANAGER_ALL_ACCESS)};
  if (manager.h == nullptr)
    return Win32Status(GetLastError(), "open", "the service control manager");
  std::wstring name = Wide(kServiceName);
  ServiceHandle service{OpenServiceW(
      manager.h, name.c_str(), SERVICE_STOP | DELETE | SERVICE_QUERY_STATUS)};
  if (service.h == nullptr)
    return Win32Status(GetLastError(), "open service", kServiceName);
  SERVICE_STATUS ignored;
  ControlService(service.h, SERVICE_CONTROL_STOP, &ignored);
  if (!DeleteService(service.h))
    return Win32Status(GetLastError(), "delete service", kServiceName);
  return absl::OkStatus();
}

absl::StatusOr<int> RunService(const std::function<int()>& serve) {
  serve_fn = &serve;
  std::wstring name = Wide(kServiceName);
  SERVICE_TABLE_ENTRYW table[] = {{name.data(), ServiceMain},
                                  {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) {
    DWORD err = GetLastError();
    if (err == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      return absl::FailedPreconditionError(
          "--service run is for the service control manager; run without "
          "--service in a console, or start the installed service");
    }
    return Win32Status(err, "start", "the service dispatcher");
  }
  return static_cast<int>(status.dwServiceSpecificExitCode);
}

}  // namespace hpc::daemon
