# Cross-building for Windows x86-64 with Debian's mingw-w64 (posix threads).
#
# The libraries come from a static sysroot made by hack/windows-deps.sh;
# its path is HPC_WINDOWS_SYSROOT (in the environment or on the command
# line). Tests run under wine64 through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_SYSTEM_VERSION 10.0)

set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_AR x86_64-w64-mingw32-gcc-ar-posix CACHE FILEPATH "")
set(CMAKE_RANLIB x86_64-w64-mingw32-gcc-ranlib-posix CACHE FILEPATH "")

if(NOT HPC_WINDOWS_SYSROOT AND DEFINED ENV{HPC_WINDOWS_SYSROOT})
  set(HPC_WINDOWS_SYSROOT "$ENV{HPC_WINDOWS_SYSROOT}")
endif()
# try_compile projects see the same sysroot.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HPC_WINDOWS_SYSROOT)

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 ${HPC_WINDOWS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Windows 10 / Server 2016 and later.
add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00)

# One self-contained .exe: no libstdc++, libgcc or winpthread DLLs to ship.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

find_program(HPC_WINE64 NAMES wine64 PATHS /usr/lib/wine NO_DEFAULT_PATH)
if(NOT HPC_WINE64)
  find_program(HPC_WINE64 NAMES wine64)
endif()
if(HPC_WINE64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HPC_WINE64})
endif()
