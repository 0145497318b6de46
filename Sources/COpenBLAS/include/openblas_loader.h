// Opens OpenBLAS at run time and exposes the few entry points Attend uses.
//
// Why not link it: OpenBLAS picks its kernels in a library constructor that reads
// OPENBLAS_CORETYPE. Linked, that constructor runs before `main`, so a shell that exports
// OPENBLAS_CORETYPE=Haswell would force the AVX2 path (half speed on AVX-512 machines) with no
// chance to override it. Opened with dlopen, Attend decides the environment first.
#ifndef ATTEND_OPENBLAS_LOADER_H
#define ATTEND_OPENBLAS_LOADER_H

#ifdef __cplusplus
extern "C" {
#endif

/// Loads libopenblas once. `coretype` (may be NULL): NULL or "" lets OpenBLAS detect the CPU
/// (any inherited OPENBLAS_CORETYPE is removed first); any other value is passed on as
/// OPENBLAS_CORETYPE. Returns 0 on success; otherwise writes a message into `error` and returns -1.
int attend_openblas_load(const char *coretype, char *error, int error_capacity);

/// Row-major C = alpha * op(A) * op(B) + beta * C, as cblas_sgemm. Requires a successful load.
void attend_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
                  const float *a, int lda, const float *b, int ldb, float beta,
                  float *c, int ldc);

/// The kernel family OpenBLAS chose ("Cooperlake", "Haswell", ...), or "unloaded".
const char *attend_openblas_corename(void);

/// The library file that was opened, or "unloaded".
const char *attend_openblas_path(void);

#ifdef __cplusplus
}
#endif
#endif
