// The one doctest main: every other file in tests/cpp only includes <doctest/doctest.h> and defines test cases.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
