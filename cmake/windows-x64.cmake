# Cross-compiling for Windows x64 with Debian 12's mingw-w64 (GCC 12, the -posix thread model:
# std::thread and std::mutex exist only there). Programs built with it run under wine for the
# tests (CMAKE_CROSSCOMPILING_EMULATOR). Dependencies come from the prefix that
# scripts/install-windows-deps.sh prints, given as PORTOLAN_WINDOWS_DEPS.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_AR x86_64-w64-mingw32-ar CACHE FILEPATH "")
set(CMAKE_RANLIB x86_64-w64-mingw32-ranlib CACHE FILEPATH "")
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
if(PORTOLAN_WINDOWS_DEPS)
  list(APPEND CMAKE_FIND_ROOT_PATH ${PORTOLAN_WINDOWS_DEPS})
endif()
# Programs (cmake, the embedder) from the build machine; headers and libraries only from the
# Windows roots, never from /usr/include (its libc headers are Linux's).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR wine)
