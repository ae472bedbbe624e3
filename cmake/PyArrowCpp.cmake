# Arrow C++ comes from the installed pyarrow wheel: its headers and the
# versioned shared libraries it ships. Linking exactly those keeps ferry's
# Arrow and the Python process's Arrow one and the same library.
execute_process(
  COMMAND "${Python_EXECUTABLE}" -c
    "import pyarrow as pa; print(pa.__version__); print(pa.get_include()); print(pa.get_library_dirs()[0])"
  OUTPUT_VARIABLE _pyarrow_out
  RESULT_VARIABLE _pyarrow_rc
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _pyarrow_rc EQUAL 0)
  message(FATAL_ERROR "pyarrow is not importable by ${Python_EXECUTABLE}; install pyarrow==26.*")
endif()
string(REPLACE "\n" ";" _pyarrow_out "${_pyarrow_out}")
list(GET _pyarrow_out 0 PYARROW_VERSION)
list(GET _pyarrow_out 1 PYARROW_INCLUDE_DIR)
list(GET _pyarrow_out 2 PYARROW_LIB_DIR)
if(NOT PYARROW_VERSION MATCHES "^26\\.")
  message(FATAL_ERROR "ferry links pyarrow 26's Arrow C++, found pyarrow ${PYARROW_VERSION}")
endif()
set(PYARROW_SOVERSION 2600)

function(ferry_import_arrow_lib target libname)
  set(_path "${PYARROW_LIB_DIR}/lib${libname}.so.${PYARROW_SOVERSION}")
  if(NOT EXISTS "${_path}")
    message(FATAL_ERROR "pyarrow wheel lacks ${_path}")
  endif()
  add_library(${target} SHARED IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${_path}"
    IMPORTED_NO_SONAME FALSE
    INTERFACE_INCLUDE_DIRECTORIES "${PYARROW_INCLUDE_DIR}")
endfunction()

ferry_import_arrow_lib(Arrow::arrow arrow)
ferry_import_arrow_lib(Arrow::compute arrow_compute)
ferry_import_arrow_lib(Arrow::acero arrow_acero)
ferry_import_arrow_lib(Arrow::dataset arrow_dataset)
ferry_import_arrow_lib(Arrow::parquet parquet)
# The wheel is built with the new libstdc++ ABI, as is g++ here; say so
# explicitly so a distro default can never silently mismatch.
set_property(TARGET Arrow::arrow APPEND PROPERTY
  INTERFACE_COMPILE_DEFINITIONS _GLIBCXX_USE_CXX11_ABI=1)
message(STATUS "Arrow C++ from pyarrow ${PYARROW_VERSION}: ${PYARROW_LIB_DIR}")
