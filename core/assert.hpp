#pragma once
// Invariant checks that stay on in release builds: a protocol whose invariant broke must stop
// rather than replicate corrupt state. Cheap checks only; they run on hot paths.

#include <cstdio>
#include <cstdlib>

#define MYCELIUM_ASSERT(condition)                                                             \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)
