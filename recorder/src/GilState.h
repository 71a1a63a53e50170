#pragma once
// The GIL's hand-over count (GilState.c, compiled as C).

#ifdef __cplusplus
extern "C" {
#endif

// The interpreter's count of GIL hand-overs from one thread to another (pycore_gil.h: take_gil
// bumps it when the thread taking the lock is not the one that held it last). Its address is
// fixed once the interpreter runs; read it with the GIL held. NULL when the interpreter has no
// GIL state to read.
const unsigned long* reel_gil_switch_counter(void);

#ifdef __cplusplus
}
#endif
