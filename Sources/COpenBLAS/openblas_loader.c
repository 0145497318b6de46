#include "openblas_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// cblas enum values (cblas.h): row-major 101, no-transpose 111, transpose 112.
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);
typedef char *(*corename_fn)(void);

static sgemm_fn sgemm_ptr;
static corename_fn corename_ptr;
static const char *opened_path = "unloaded";
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *candidates[] = {
    "libopenblas.so.0",
    "libopenblas.so",
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "libopenblas.dylib",
    "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    "/usr/local/opt/openblas/lib/libopenblas.dylib",
};

int attend_openblas_load(const char *coretype, char *error, int error_capacity) {
  pthread_mutex_lock(&load_lock);
  if (sgemm_ptr) {
    pthread_mutex_unlock(&load_lock);
    return 0;
  }
  if (coretype == NULL || coretype[0] == '\0') {
    unsetenv("OPENBLAS_CORETYPE");
  } else {
    setenv("OPENBLAS_CORETYPE", coretype, 1);
  }
  void *handle = NULL;
  const char *last_error = "no candidate tried";
  for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]) && !handle; i++) {
    handle = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
    if (handle) {
      opened_path = candidates[i];
    } else {
      const char *e = dlerror();
      if (e) last_error = e;
    }
  }
  if (!handle) {
    snprintf(error, (size_t)error_capacity,
             "could not open OpenBLAS (%s); install it with: apt-get install libopenblas-dev",
             last_error);
    pthread_mutex_unlock(&load_lock);
    return -1;
  }
  sgemm_fn sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
  corename_ptr = (corename_fn)dlsym(handle, "openblas_get_corename");
  if (!sgemm) {
    snprintf(error, (size_t)error_capacity, "%s has no cblas_sgemm symbol", opened_path);
    pthread_mutex_unlock(&load_lock);
    return -1;
  }
  sgemm_ptr = sgemm;
  pthread_mutex_unlock(&load_lock);
  return 0;
}

void attend_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
                  const float *a, int lda, const float *b, int ldb, float beta,
                  float *c, int ldc) {
  sgemm_ptr(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, m, n, k, alpha,
            a, lda, b, ldb, beta, c, ldc);
}

const char *attend_openblas_corename(void) {
  return corename_ptr ? corename_ptr() : "unloaded";
}

const char *attend_openblas_path(void) { return opened_path; }

