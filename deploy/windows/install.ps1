# Bootstraps a Windows node: runs install.cmd beside this script, which
# installs hpc-content-plugin.exe and hpcimg.exe, makes the plugin
# containerd's only content store, registers and starts the services and
# waits for the HostProcess base image (see install.cmd for its settings).
# Run as Administrator from the folder holding the two .exe files.
$ErrorActionPreference = 'Stop'
& cmd.exe /c "`"$PSScriptRoot\install.cmd`""
if ($LASTEXITCODE -ne 0) { throw "install.cmd failed ($LASTEXITCODE)" }
