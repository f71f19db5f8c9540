#pragma once
// 128-bit unsigned integers for the exact write and progress integrals (rate x time overflows 64
// bits within a second at the highest rates). sim/ runs only where SimGrid does, on 64-bit GCC
// and Clang, which both provide unsigned __int128; core/ avoids it to stay portable.

namespace mycelium::sim {

__extension__ typedef unsigned __int128 Uint128;

}  // namespace mycelium::sim
