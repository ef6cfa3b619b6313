# Run by ctest when it starts (the TEST_INCLUDE_FILES of tests/windows/tests.cmake): one test per
# GoogleTest suite of portolan_tests.exe, run under wine with --gtest_filter=SUITE.*. The suites
# come from the binary's own --gtest_list_tests (under wine-run.sh, so with its time limit and
# retry), kept in PORTOLAN_SUITES_FILE and listed again only when the binary is newer.
# Inputs: PORTOLAN_TESTS_EXE, PORTOLAN_WINE_RUN, PORTOLAN_SUITES_FILE.
if(NOT EXISTS "${PORTOLAN_TESTS_EXE}")
  # Not built: one test that fails and says so.
  add_test(portolan_tests.NOT_BUILT "${PORTOLAN_TESTS_EXE}")
  return()
endif()

if(NOT EXISTS "${PORTOLAN_SUITES_FILE}" OR "${PORTOLAN_TESTS_EXE}" IS_NEWER_THAN "${PORTOLAN_SUITES_FILE}")
  execute_process(COMMAND "${PORTOLAN_WINE_RUN}" "${PORTOLAN_TESTS_EXE}" --gtest_list_tests
                  OUTPUT_VARIABLE listing ERROR_VARIABLE errors RESULT_VARIABLE result TIMEOUT 900)
  if(NOT result EQUAL 0)
    # The listing failed: a test that runs the listing again, so that ctest shows the failure.
    message(WARNING "portolan_tests.exe --gtest_list_tests under wine: ${result}\n${errors}")
    add_test(portolan_tests.LIST "${PORTOLAN_WINE_RUN}" "${PORTOLAN_TESTS_EXE}" --gtest_list_tests)
    set_tests_properties(portolan_tests.LIST PROPERTIES LABELS unit TIMEOUT 900)
    return()
  endif()
  # Only the suite lines matter ("SUITE." at the start of a line, maybe a "# TypeParam" comment);
  # the test lines (indented) may hold anything in their "# GetParam() = ..." comments, so the
  # characters CMake's lists treat specially go before the listing is cut into lines.
  string(REGEX REPLACE "[][;\\\\]" "_" listing "${listing}")
  string(REPLACE "\r" "" listing "${listing}")
  string(REPLACE "\n" ";" lines "${listing}")
  # A suite passes when GoogleTest says so at its end and no test failed: a wine program whose
  # wineserver dies ends with exit code 0, so the exit code alone cannot be trusted.
  set(passed "\\[  PASSED  \\] [0-9]+ tests?\\.")
  set(failed "\\[  FAILED  \\]|wine-run: .*giving up")
  set(content "")
  set(count 0)
  foreach(line IN LISTS lines)
    if(line MATCHES "^([A-Za-z_][A-Za-z0-9_/]*)\\.( +#.*)?$")
      set(suite "${CMAKE_MATCH_1}")
      string(APPEND content "add_test([==[${suite}.*]==] [==[${PORTOLAN_WINE_RUN}]==] [==[${PORTOLAN_TESTS_EXE}]==] "
                            "[==[--gtest_filter=${suite}.*]==])\n"
                            "set_tests_properties([==[${suite}.*]==] PROPERTIES LABELS unit TIMEOUT 600 "
                            "PASS_REGULAR_EXPRESSION [==[${passed}]==] FAIL_REGULAR_EXPRESSION [==[${failed}]==])\n")
      math(EXPR count "${count} + 1")
    endif()
  endforeach()
  if(count EQUAL 0)
    message(WARNING "portolan_tests.exe listed no test suites:\n${listing}")
    add_test(portolan_tests.NO_SUITES sh -c "echo 'portolan_tests.exe --gtest_list_tests listed no suites'; exit 1")
    return()
  endif()
  file(WRITE "${PORTOLAN_SUITES_FILE}" "${content}")
endif()
include("${PORTOLAN_SUITES_FILE}")
