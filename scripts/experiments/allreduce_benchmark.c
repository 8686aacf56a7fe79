/* The time of one sum of ResNet-18's gradient (11,173,962 floats) over the ranks, blocking
 * (MPI_Allreduce) and nonblocking (MPI_Iallreduce then MPI_Wait), both in place as Glean sums;
 * best and mean of 7 after one warm-up. Rank 0 prints.
 *   mpicc -O2 scripts/experiments/allreduce_benchmark.c -o /tmp/allreduce_benchmark
 *   mpirun -np 2 /tmp/allreduce_benchmark [FLOATS]
 * Between the two network-namespace hosts: bash scripts/netns_hosts.sh up 10gbit 50us, then
 *   bash scripts/netns_hosts.sh run 10.231.0.1 mpirun --mca plm_rsh_agent "bash scripts/netns_hosts.sh agent" \
 *     --mca btl tcp,self --mca btl_tcp_if_include 10.231.0.0/24 --mca oob_tcp_if_include 10.231.0.0/24 \
 *     --mca coll_libnbc_iallreduce_algorithm ring --host 10.231.0.1:1,10.231.0.2:1 -np 2 /tmp/allreduce_benchmark */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int count = argc > 1 ? atoi(argv[1]) : 11173962;
    float *values = malloc(sizeof(float) * (size_t)count);
    for (int i = 0; i < count; i++) values[i] = 1;
    for (int nonblocking = 0; nonblocking < 2; nonblocking++) {
        double best = 1e9, total = 0;
        for (int round = 0; round < 8; round++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double start = MPI_Wtime();
            if (nonblocking) {
                MPI_Request request;
                MPI_Iallreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
                MPI_Wait(&request, MPI_STATUS_IGNORE);
            } else {
                MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            }
            double seconds = MPI_Wtime() - start;
            if (round > 0) { total += seconds; if (seconds < best) best = seconds; }
        }
        if (rank == 0)
            printf("%s: %d floats (%.1f MB), %d ranks: best %.1f ms, mean %.1f ms\n", nonblocking ? "MPI_Iallreduce + MPI_Wait" : "MPI_Allreduce",
                   count, count * 4e-6, size, best * 1e3, total / 7 * 1e3);
    }
    free(values);
    MPI_Finalize();
    return 0;
}
