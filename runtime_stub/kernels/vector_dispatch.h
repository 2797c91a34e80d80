// vector_dispatch.h: runtime selection of the widest vector unit for the hot kernel loops.
//
// Internal to soma_kernels. On x86-64 with GCC or Clang, SOMA_VECTOR_CLONES makes the
// compiler emit an AVX2 and a baseline version of a function and pick one when the program
// loads. AVX2 registers have four double lanes instead of two: kernels_benchmark measured
// the conv kernel 2.4 times faster with them on an AMD EPYC (Zen 4) core. Both versions
// perform the same IEEE operations on every element in the same order, and contraction to
// FMA is off for this library, so they round identically.
#ifndef SOMA_KERNELS_VECTOR_DISPATCH_H_
#define SOMA_KERNELS_VECTOR_DISPATCH_H_

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SOMA_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SOMA_VECTOR_CLONES
#endif

#endif  // SOMA_KERNELS_VECTOR_DISPATCH_H_
