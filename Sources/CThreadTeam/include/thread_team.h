#ifndef GLEAN_THREAD_TEAM_H
#define GLEAN_THREAD_TEAM_H

/* Glean's parallel loops run on the same OpenMP thread team as oneDNN (Debian's oneDNN uses GNU
   OpenMP). Running them on a second pool (Dispatch) left oneDNN's idle OpenMP workers spinning
   beside Glean's threads after every primitive, taking a core from them on a 2-core machine. */

/* Calls body(context, chunk) for every chunk in [0, chunks), spread over up to `chunks` threads of
   the OpenMP team; returns when all have run. Inside another parallel region it runs them in order
   on the calling thread. */
void glean_team_run(int chunks, void *context, void (*body)(void *context, int chunk));

/* The size of the OpenMP team oneDNN's primitives run on: OMP_NUM_THREADS when set, else the
   processors this process may run on (its affinity mask, e.g. under taskset or a container's
   cpuset), not every processor of the machine. */
int glean_team_size(void);

#endif
