// The few POSIX names the importer's file code uses that mingw-w64's C
// runtime lacks, given their Windows meaning. Included first in every
// Windows translation unit by the build (-include), never by hand.
//
// O_CLOEXEC: Windows handles are not inherited unless asked for.
// O_NOFOLLOW, O_DIRECTORY: the importer's own files are never links it made;
// the store, which must refuse links, has a FileSystem of its own.
// Every file is opened in binary mode: the build links mingw's binmode.o.
#ifndef HPC_IMPORTER_WINDOWS_POSIX_COMPAT_H_
#define HPC_IMPORTER_WINDOWS_POSIX_COMPAT_H_

#include <fcntl.h>
#include <io.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0
#endif
#ifndef O_DIRECTORY
#define O_DIRECTORY 0
#endif

#ifdef __cplusplus
inline int fsync(int fd) { return _commit(fd); }
#endif

#endif  // HPC_IMPORTER_WINDOWS_POSIX_COMPAT_H_
