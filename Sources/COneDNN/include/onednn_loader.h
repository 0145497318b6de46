// Opens oneDNN (Debian: libdnnl-dev) at run time for its sgemm, when it is installed.
//
// Why oneDNN: its JIT sgemm, generated for the running ISA, beat OpenBLAS single-threaded at
// every shape a training step issues, on AMD Zen 3 (+5–20 % at 16–64 rows) and on an Intel Xeon
// (+40–85 %; BENCHMARKS.md, "Matrix-product backends"). Why at run time: Attend still builds and
// runs where it is missing, on OpenBLAS alone, and translation of single sentences (which never
// reaches it) does not pay its 2 ms load and ~18 ms first-call JIT.
#ifndef ATTEND_ONEDNN_LOADER_H
#define ATTEND_ONEDNN_LOADER_H

#ifdef __cplusplus
extern "C" {
#endif

/// Loads libdnnl once, with its OpenMP runtime limited to one thread (Attend splits products over
/// its own threads). Returns 0 on success; otherwise writes a message into `error` and returns -1.
int attend_onednn_load(char *error, int error_capacity);

/// Row-major C = alpha * op(A) * op(B) + beta * C through dnnl_sgemm. Requires a successful load.
/// Returns dnnl's status (0: success).
int attend_onednn_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc);

/// The library file that was opened, or "unloaded".
const char *attend_onednn_path(void);

/// oneDNN's version, e.g. "2.6.3", or "unloaded".
const char *attend_onednn_version(void);

#ifdef __cplusplus
}
#endif
#endif
