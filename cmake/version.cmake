# Writes OUT (a header defining RERAM_VERSION) from the project version and `git describe`
# of SRC, run at every build (not only at configure), so a report's version names the
# commit the binary was built from ("-dirty" for uncommitted changes). The file is
# rewritten only when the string changes, so an unchanged tree recompiles nothing.
#   cmake -DSRC=<source dir> -DOUT=<header> -DVERSION=<project version> -P version.cmake
set(_v "${VERSION}")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SRC}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --abbrev=10
                  WORKING_DIRECTORY "${SRC}" OUTPUT_VARIABLE _desc OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _desc)
    set(_v "${VERSION}+g${_desc}")
  endif()
endif()
set(_text "#pragma once\n#define RERAM_VERSION \"${_v}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" _old)
else()
  set(_old "")
endif()
if(NOT _old STREQUAL _text)
  file(WRITE "${OUT}" "${_text}")
endif()
