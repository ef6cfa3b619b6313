# The Windows build's tests (included by tests/CMakeLists.txt): portolan_tests.exe and the
# command-line tests, under wine through tests/windows/wine-run.sh (a private prefix, a warm
# wineserver, a time limit on every run, a hung wine killed and the run tried once more).
# tests/windows/run.sh keeps one wineserver warm for the whole run.
set(PORTOLAN_WINE_RUN ${CMAKE_CURRENT_SOURCE_DIR}/windows/wine-run.sh)
set_target_properties(portolan_tests PROPERTIES CROSSCOMPILING_EMULATOR ${PORTOLAN_WINE_RUN})
# The test files at -O0: half the compile time of -O3 (measured: 176 s of CPU against 333 s for
# the 64 test files), and no slower to run. The code under test stays as shipped (Release, -O3).
target_compile_options(portolan_tests PRIVATE -O0)

# One ctest entry per test suite (--gtest_filter=SUITE.*), not one per test: a wine process costs
# about 0.15 s, so ~850 entries took 125 s on 2 cores where ~120 take a third of that. The suites
# are listed by the test binary itself when ctest starts (tests/windows/add_suites.cmake), and
# listed again only when the binary changes; a failure names its suite, and the output its test.
set(suites_include ${CMAKE_CURRENT_BINARY_DIR}/portolan_tests_suites_include.cmake)
file(GENERATE OUTPUT ${suites_include} CONTENT "set(PORTOLAN_TESTS_EXE [==[$<TARGET_FILE:portolan_tests>]==])
set(PORTOLAN_WINE_RUN [==[${PORTOLAN_WINE_RUN}]==])
set(PORTOLAN_SUITES_FILE [==[${CMAKE_CURRENT_BINARY_DIR}/portolan_tests_suites.cmake]==])
include([==[${CMAKE_CURRENT_SOURCE_DIR}/windows/add_suites.cmake]==])
")
set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${suites_include})

# The command-line tests against portolan.exe: tests/windows/portolan-wine.sh stands in for the
# Linux binary. PORTOLAN_PLATFORM=windows skips (and counts) the checks of the Linux-only commands
# and checks instead that they say they need Linux.
set(portolan_wine ${CMAKE_CURRENT_SOURCE_DIR}/windows/portolan-wine.sh)
add_test(NAME cli.end_to_end COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli_test.sh ${portolan_wine} ${CMAKE_SOURCE_DIR})
add_test(NAME audit.cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/audit/cli_test.sh ${portolan_wine} ${CMAKE_SOURCE_DIR})
# The HTML report: the same structure goldens and input errors as on Linux.
add_test(NAME report.cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/report/report_cli_test.sh ${portolan_wine}
                                 ${CMAKE_SOURCE_DIR})
set_tests_properties(cli.end_to_end audit.cli report.cli PROPERTIES LABELS cli TIMEOUT 1200
                     ENVIRONMENT "PORTOLAN_PLATFORM=windows;PORTOLAN_EXE=$<TARGET_FILE:portolan>")
