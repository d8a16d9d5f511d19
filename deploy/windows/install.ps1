# Installs hpc-content-plugin.exe as a Windows service that starts before
# containerd, and makes containerd depend on it. Run as Administrator from
# the folder holding hpc-content-plugin.exe and hpcimg.exe.
$ErrorActionPreference = 'Stop'
$dir = 'C:\Program Files\hpc-content'
New-Item -ItemType Directory -Force -Path $dir | Out-Null
Copy-Item -Force hpc-content-plugin.exe, hpcimg.exe $dir
& "$dir\hpc-content-plugin.exe" --service install --inject-base `
  --root 'C:\ProgramData\hpc-content' --address '\\.\pipe\hpc-content' `
  --preload 'C:\ProgramData\hpc-content\preload'
if ($LASTEXITCODE -ne 0) { throw "service install failed" }
# The plugin becomes containerd's only content store in its config.toml
# (a backup of the old one is kept next to it).
& "$dir\hpc-content-plugin.exe" configure-containerd `
  --root 'C:\ProgramData\hpc-content' --address '\\.\pipe\hpc-content'
if ($LASTEXITCODE -ne 0) { throw "configure-containerd failed" }
# containerd starts only once the plugin runs.
sc.exe config containerd depend= hpc-content-plugin | Out-Null
Start-Service hpc-content-plugin
Restart-Service containerd
