@echo off
rem Bootstraps a Windows node in one run: installs hpc-content-plugin.exe and
rem hpcimg.exe, makes the plugin containerd's only content store
rem (configure-containerd, with a backup of the old config.toml), registers
rem the plugin as a Windows service that containerd's service depends on,
rem starts both, and waits until the HostProcess base image is listed. A
rem service that is registered but does not start (as under wine) is run in
rem console mode instead, and the output says which.
rem Run as Administrator from the folder holding the two .exe files.
rem
rem   HPC_INSTALL_DIR    where the binaries go (default %ProgramFiles%\hpc-content)
rem   HPC_DATA_DIR       the store and its preload folder (default %ProgramData%\hpc-content)
rem   CONTAINERD_DIR     containerd.exe and its config.toml (default %ProgramFiles%\containerd)
rem   CONTAINERD_ADDRESS containerd's pipe (default \\.\pipe\containerd-containerd)
rem   HPC_WAIT_SECONDS   how long to wait for the base image (default 120)
rem   HPC_PLUGIN_FLAGS   more flags for the plugin (e.g. --metrics-address 127.0.0.1:9464)
rem
rem Each step's outcome is read from errorlevel on the next line, never with
rem && or ||, which some cmd.exe implementations (wine's) get wrong.
setlocal EnableExtensions
set "SOURCE=%~dp0"
if not defined HPC_INSTALL_DIR set "HPC_INSTALL_DIR=%ProgramFiles%\hpc-content"
if not defined HPC_DATA_DIR set "HPC_DATA_DIR=%ProgramData%\hpc-content"
if not defined CONTAINERD_DIR set "CONTAINERD_DIR=%ProgramFiles%\containerd"
if not defined CONTAINERD_ADDRESS set "CONTAINERD_ADDRESS=\\.\pipe\containerd-containerd"
if not defined HPC_WAIT_SECONDS set "HPC_WAIT_SECONDS=120"
set "PLUGIN=%HPC_INSTALL_DIR%\hpc-content-plugin.exe"
set "PLUGIN_PIPE=\\.\pipe\hpc-content"
set "BASE=mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0"

echo install: [1/5] binaries into %HPC_INSTALL_DIR%
rem What mkdir and copy did is checked by what exists after them.
if not exist "%HPC_INSTALL_DIR%" mkdir "%HPC_INSTALL_DIR%"
copy /y "%SOURCE%hpc-content-plugin.exe" "%HPC_INSTALL_DIR%\" >nul
copy /y "%SOURCE%hpcimg.exe" "%HPC_INSTALL_DIR%\" >nul
if not exist "%PLUGIN%" goto :copy_failed
if not exist "%HPC_INSTALL_DIR%\hpcimg.exe" goto :copy_failed
if not exist "%HPC_DATA_DIR%\preload" mkdir "%HPC_DATA_DIR%\preload"
if not exist "%HPC_DATA_DIR%\preload" (
  echo install: cannot make %HPC_DATA_DIR%\preload
  goto :failed
)

echo install: [2/5] the plugin becomes containerd's content store in %CONTAINERD_DIR%\config.toml
"%PLUGIN%" configure-containerd --config "%CONTAINERD_DIR%\config.toml" --root "%HPC_DATA_DIR%" --address %PLUGIN_PIPE%
if errorlevel 1 goto :failed

echo install: [3/5] the service hpc-content-plugin
rem A plugin installed before is replaced (errorlevel 0: the service exists).
sc.exe query hpc-content-plugin >nul 2>&1
if not errorlevel 1 (
  net stop hpc-content-plugin >nul 2>&1
  "%PLUGIN%" --service uninstall >nul
)
"%PLUGIN%" --service install --inject-base --root "%HPC_DATA_DIR%" --address %PLUGIN_PIPE% --containerd %CONTAINERD_ADDRESS% --preload "%HPC_DATA_DIR%\preload" --log-file "%HPC_DATA_DIR%\hpc-content-plugin.log" %HPC_PLUGIN_FLAGS%
if errorlevel 1 goto :failed
net start hpc-content-plugin >nul 2>&1
set "SERVICE=hpc-content-plugin"
set "AFTER=plugin_started"
goto :wait_running
:plugin_started
if "%STATE%"=="RUNNING" (
  echo install: hpc-content-plugin runs as a Windows service
) else (
  rem Registered, but not running (under wine a service installed in this
  rem session does not start until the next): it runs from here instead.
  echo install: the service hpc-content-plugin is registered but did not start; hpc-content-plugin.exe runs in console mode instead, until this session ends
  net stop hpc-content-plugin >nul 2>&1
  start "hpc-content-plugin" /b "%PLUGIN%" --inject-base --root "%HPC_DATA_DIR%" --address %PLUGIN_PIPE% --containerd %CONTAINERD_ADDRESS% --preload "%HPC_DATA_DIR%\preload" %HPC_PLUGIN_FLAGS% >"%HPC_DATA_DIR%\hpc-content-plugin.log" 2>&1
)
echo install: the plugin's log is %HPC_DATA_DIR%\hpc-content-plugin.log

echo install: [4/5] containerd, after the plugin
sc.exe query containerd >nul 2>&1
if errorlevel 1 (
  "%CONTAINERD_DIR%\containerd.exe" --register-service --config "%CONTAINERD_DIR%\config.toml"
  if errorlevel 1 goto :failed
)
sc.exe config containerd depend= hpc-content-plugin >nul 2>&1
if errorlevel 1 (
  echo install: warning: sc.exe could not make containerd's service depend on hpc-content-plugin ^(wine's sc.exe has no "config"^); at boot containerd may start first and wait for the plugin's pipe
) else (
  echo install: containerd's service now depends on hpc-content-plugin
)
net stop containerd >nul 2>&1
net start containerd >nul 2>&1
set "SERVICE=containerd"
set "AFTER=containerd_started"
goto :wait_running
:containerd_started
if "%STATE%"=="RUNNING" (
  echo install: containerd runs as a Windows service
) else (
  rem Where containerd's service cannot start (under wine its service
  rem handler never reports running), containerd.exe runs from here.
  echo install: containerd's service did not start; containerd.exe runs in console mode instead, until this session ends
  net stop containerd >nul 2>&1
  start "containerd" /b "%CONTAINERD_DIR%\containerd.exe" --config "%CONTAINERD_DIR%\config.toml" >"%HPC_DATA_DIR%\containerd.log" 2>&1
  echo install: its log is %HPC_DATA_DIR%\containerd.log
)

echo install: [5/5] waiting for %BASE%
set /a TRIES=0
:wait_base
"%HPC_INSTALL_DIR%\hpcimg.exe" inspect --address %CONTAINERD_ADDRESS% --namespace k8s.io containerd:%BASE% >nul 2>&1
if not errorlevel 1 goto :listed
set /a TRIES+=1
if %TRIES% LSS %HPC_WAIT_SECONDS% (
  ping -n 2 127.0.0.1 >nul
  goto :wait_base
)
echo install: the base image was not listed in %HPC_WAIT_SECONDS% s; see %HPC_DATA_DIR%\hpc-content-plugin.log
goto :failed

:listed
echo install: done: the base image is listed in containerd (namespace k8s.io)
exit /b 0

:wait_running
rem STATE becomes RUNNING once the service SERVICE runs (net start waits for
rem it already; up to 3 s more); then
rem on to the label AFTER.
set /a TRIES=0
:wait_running_again
set "STATE="
for /f "tokens=4" %%s in ('sc.exe query %SERVICE%') do if "%%s"=="RUNNING" set "STATE=RUNNING"
if "%STATE%"=="RUNNING" goto :%AFTER%
set /a TRIES+=1
if %TRIES% GEQ 3 goto :%AFTER%
ping -n 2 127.0.0.1 >nul
goto :wait_running_again

:copy_failed
echo install: cannot copy hpc-content-plugin.exe and hpcimg.exe from %SOURCE% into %HPC_INSTALL_DIR%

:failed
echo install: failed
exit /b 1
