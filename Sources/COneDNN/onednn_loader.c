#include "onednn_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*dnnl_sgemm_fn)(char, char, long, long, long, float, const float *, long, const float *, long,
                             float, float *, long);
// dnnl_version_t: major, minor, patch, hash, cpu_runtime, gpu_runtime.
typedef struct {
  int major, minor, patch;
  const char *hash;
  unsigned cpu_runtime, gpu_runtime;
} dnnl_version_info;
typedef const dnnl_version_info *(*dnnl_version_fn)(void);

static dnnl_sgemm_fn sgemm_ptr;
static const char *opened_path = "unloaded";
static char version_text[32] = "unloaded";
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *candidates[] = {
    "libdnnl.so.3",
    "libdnnl.so.2",
    "libdnnl.so",
    "/usr/lib/x86_64-linux-gnu/libdnnl.so.2",
    "/usr/lib/aarch64-linux-gnu/libdnnl.so.2",
};

int attend_onednn_load(char *error, int error_capacity) {
  pthread_mutex_lock(&load_lock);
  if (sgemm_ptr) {
    pthread_mutex_unlock(&load_lock);
    return 0;
  }
  // Read by libgomp's constructor when oneDNN's dependencies load: no OpenMP worker threads.
  setenv("OMP_NUM_THREADS", "1", 1);
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
             "could not open oneDNN (%s); install it with: apt-get install libdnnl-dev", last_error);
    pthread_mutex_unlock(&load_lock);
    return -1;
  }
  dnnl_sgemm_fn sgemm = (dnnl_sgemm_fn)dlsym(handle, "dnnl_sgemm");
  dnnl_version_fn version = (dnnl_version_fn)dlsym(handle, "dnnl_version");
  if (!sgemm) {
    snprintf(error, (size_t)error_capacity, "%s has no dnnl_sgemm symbol", opened_path);
    pthread_mutex_unlock(&load_lock);
    return -1;
  }
  if (version) {
    const dnnl_version_info *v = version();
    snprintf(version_text, sizeof version_text, "%d.%d.%d", v->major, v->minor, v->patch);
  }
  sgemm_ptr = sgemm;
  pthread_mutex_unlock(&load_lock);
  return 0;
}

int attend_onednn_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc) {
  return sgemm_ptr(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

const char *attend_onednn_path(void) { return opened_path; }

const char *attend_onednn_version(void) { return version_text; }
