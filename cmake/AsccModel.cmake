# ascc_add_model(TARGET SPEC [PRECISION float|double] [NAME name] [OUTPUT_DIR dir])
#
# Generates C for the model in SPEC with ascc at build time and compiles it into
# the static library TARGET. The generated files and symbols are named after NAME,
# by default the spec file's name (foo.asc: foo.h, foo.c, foo_model, foo_forward,
# foo_backward, foo_info). Link TARGET and include foo.h.
include_guard(GLOBAL)

find_path(ASCC_CBLAS_INCLUDE cblas.h
          PATHS /usr/include/x86_64-linux-gnu/openblas-openmp /usr/include/openblas
          NO_DEFAULT_PATH)
find_library(ASCC_OPENBLAS openblas
             PATHS /usr/lib/x86_64-linux-gnu/openblas-openmp NO_DEFAULT_PATH)
if(NOT ASCC_CBLAS_INCLUDE OR NOT ASCC_OPENBLAS)
  message(FATAL_ERROR "ascc needs OpenBLAS built with OpenMP (Debian: libopenblas-openmp-dev)")
endif()

option(ASCC_NATIVE "Generated models use every instruction this CPU has (-march=native)" ON)

set(ASCC_NN_DIR ${CMAKE_CURRENT_LIST_DIR}/../runtime/nn CACHE INTERNAL "ascc kernel headers")

function(ascc_add_model target spec)
  # Imported targets are visible only in the directory that found them, so find
  # OpenMP in the caller's directory.
  find_package(OpenMP REQUIRED COMPONENTS C)
  cmake_parse_arguments(ARG "" "PRECISION;NAME;OUTPUT_DIR" "" ${ARGN})
  if(NOT ARG_PRECISION)
    set(ARG_PRECISION float)
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/${target}_generated)
  endif()
  get_filename_component(spec_abs ${spec} ABSOLUTE)
  get_filename_component(model ${spec} NAME_WE)
  if(ARG_NAME)
    set(model ${ARG_NAME})
  endif()
  set(outputs ${ARG_OUTPUT_DIR}/${model}.h ${ARG_OUTPUT_DIR}/${model}.c)
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND $<TARGET_FILE:ascc> --precision=${ARG_PRECISION} --name=${model} -o ${ARG_OUTPUT_DIR}
            ${spec_abs}
    DEPENDS ascc ${spec_abs}
    COMMENT "ascc: generating ${model} (${ARG_PRECISION})"
    VERBATIM)
  add_library(${target} STATIC ${ARG_OUTPUT_DIR}/${model}.c)
  target_include_directories(${target} PUBLIC ${ARG_OUTPUT_DIR} ${ASCC_NN_DIR}
                                              ${ASCC_CBLAS_INCLUDE})
  target_link_libraries(${target} PUBLIC ${ASCC_OPENBLAS} OpenMP::OpenMP_C m)
  # Models are compute kernels: vectorised even in Debug builds (which keep the
  # sanitizers), since -O0 makes their tests crawl.
  target_compile_options(${target} PRIVATE -O3 $<$<BOOL:${ASCC_NATIVE}>:-march=native>)
endfunction()
