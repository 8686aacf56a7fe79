#include "thread_team.h"

/* libgomp's entry points as GCC's OpenMP lowering calls them (stable since GCC 4.9). */
extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);
extern int omp_in_parallel(void);
extern int omp_get_max_threads(void);

struct team_job {
    int chunks;
    void *context;
    void (*body)(void *context, int chunk);
};

static void run_share(void *data) {
    const struct team_job *job = data;
    const int threads = omp_get_num_threads();
    for (int chunk = omp_get_thread_num(); chunk < job->chunks; chunk += threads) {
        job->body(job->context, chunk);
    }
}

void glean_team_run(int chunks, void *context, void (*body)(void *context, int chunk)) {
    if (chunks <= 1 || omp_in_parallel()) {
        for (int chunk = 0; chunk < chunks; chunk++) body(context, chunk);
        return;
    }
    struct team_job job = {chunks, context, body};
    GOMP_parallel(run_share, &job, (unsigned)chunks, 0);
}

int glean_team_size(void) { return omp_get_max_threads(); }
