// Reads the processor's identification registers, so that Attend picks its kernels by what the
// CPU supports (CPUID feature bits, and which register states the OS saves) and never by a table
// of CPU models, which goes stale with every new model (Debian's OpenBLAS 0.3.21 does not know
// Intel's family 6 model 207 and falls back to SSE3 kernels on it).
#ifndef ATTEND_CPUID_SHIM_H
#define ATTEND_CPUID_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  unsigned int eax, ebx, ecx, edx;
} attend_cpuid_registers;

/// CPUID(leaf, subleaf) on x86-64. Returns 1 and fills `out`; returns 0 (and zeros) elsewhere.
int attend_cpuid(unsigned int leaf, unsigned int subleaf, attend_cpuid_registers *out);

/// XCR0, the register states the operating system saves on a context switch (bit 1 SSE, 2 AVX,
/// 5–7 AVX-512). 0 when the CPU lacks OSXSAVE or this is not x86-64.
unsigned long long attend_xgetbv0(void);

/// 1 when this build runs on arm64, where Advanced SIMD (NEON) is part of the architecture.
int attend_is_arm64(void);

/// Widest vector the compiler was allowed to use for this build (`-march=native` at build time):
/// 512 (AVX-512F), 256 (AVX2), 128 (SSE2 or NEON) or 0. Attend's own SIMD kernels share it.
int attend_build_vector_bits(void);

#ifdef __cplusplus
}
#endif
#endif
