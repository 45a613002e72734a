# casesync_test(NAME SRCS ... DEPS ... [LABELS ...])
# One GoogleTest binary, its cases discovered by CTest (in the style of
# leveldb's leveldb_test() and abseil's absl_cc_test()).
function(casesync_test NAME)
  cmake_parse_arguments(T "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${NAME} ${T_SRCS})
  target_link_libraries(${NAME} PRIVATE ${T_DEPS} casesync_testing
                        GTest::gmock GTest::gtest_main)
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  gtest_discover_tests(${NAME}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${T_LABELS}" TIMEOUT 600)
endfunction()

# casesync_process_test(NAME [DEPS ...]): a process-level test in tests/
# (label "process"), linked with the harness, built after the three programs
# it starts.
function(casesync_process_test NAME)
  cmake_parse_arguments(T "" "" "DEPS" ${ARGN})
  casesync_test(${NAME} SRCS ${NAME}.cc DEPS casesync_harness ${T_DEPS}
                LABELS process)
  add_dependencies(${NAME} casesync-board casesyncd casesync)
endfunction()
