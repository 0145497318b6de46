#include "cpuid_shim.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

int attend_cpuid(unsigned int leaf, unsigned int subleaf, attend_cpuid_registers *out) {
  __cpuid_count(leaf, subleaf, out->eax, out->ebx, out->ecx, out->edx);
  return 1;
}

unsigned long long attend_xgetbv0(void) {
  unsigned int eax, ebx, ecx, edx;
  __cpuid(1, eax, ebx, ecx, edx);
  if (!(ecx & (1u << 27))) return 0;  // no OSXSAVE: XGETBV would fault
  unsigned int low, high;
  __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  return ((unsigned long long)high << 32) | low;
}
#else
int attend_cpuid(unsigned int leaf, unsigned int subleaf, attend_cpuid_registers *out) {
  (void)leaf;
  (void)subleaf;
  memset(out, 0, sizeof *out);
  return 0;
}

unsigned long long attend_xgetbv0(void) { return 0; }
#endif

int attend_is_arm64(void) {
#if defined(__aarch64__)
  return 1;
#else
  return 0;
#endif
}

int attend_build_vector_bits(void) {
#if defined(__AVX512F__)
  return 512;
#elif defined(__AVX2__)
  return 256;
#elif defined(__SSE2__) || defined(__ARM_NEON)
  return 128;
#else
  return 0;
#endif
}
