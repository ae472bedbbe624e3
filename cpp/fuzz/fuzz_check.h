#pragma once

// An invariant a fuzz target asserts beyond "no crash": a violation aborts,
// so libFuzzer (and the replay test) report it with the input that broke it.

#include <cstdio>
#include <cstdlib>

#define FERRY_FUZZ_CHECK(condition, what)                                                    \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n", __FILE__, __LINE__, what); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)
