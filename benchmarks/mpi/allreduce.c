// MPI_Allreduce (float, sum) of the sizes of a prompt gradient, timed after a barrier, median of 500: the transport cost
// under the data-parallel step (docs/distributed.md). Build and run: mpicc -O2 -o allreduce allreduce.c &&
// mpirun -np 2 --bind-to none ./allreduce   (51,200 floats = l 100 x d 512, T5-Small; 76,800 = l 100 x d 768, T5-Base)
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank; MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int sizes[] = {51200, 76800, 1};
  for (int s = 0; s < 3; s++) {
    int n = sizes[s];
    float* a = malloc(n * sizeof(float)); float* b = malloc(n * sizeof(float));
    for (int i = 0; i < n; i++) a[i] = 1.0f;
    for (int i = 0; i < 20; i++) MPI_Allreduce(a, b, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    int iters = 500; double times[500];
    for (int i = 0; i < iters; i++) { MPI_Barrier(MPI_COMM_WORLD); double t = MPI_Wtime(); MPI_Allreduce(a, b, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); times[i] = MPI_Wtime() - t; }
    // median
    for (int i = 0; i < iters; i++) for (int j = i + 1; j < iters; j++) if (times[j] < times[i]) { double x = times[i]; times[i] = times[j]; times[j] = x; }
    if (rank == 0) printf("floats %d (%d KB): median %.1f us, p10 %.1f us, p90 %.1f us\n", n, n * 4 / 1024, times[iters/2]*1e6, times[iters/10]*1e6, times[9*iters/10]*1e6);
    free(a); free(b);
  }
  MPI_Finalize();
}
