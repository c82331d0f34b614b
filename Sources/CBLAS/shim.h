// OpenBLAS from Debian's libopenblas-dev (pthread flavour). Debian puts cblas.h under the
// multiarch directory of the chosen flavour; the generic path is a fallback for other systems.
#if __has_include(<x86_64-linux-gnu/openblas-pthread/cblas.h>)
#include <x86_64-linux-gnu/openblas-pthread/cblas.h>
#elif __has_include(<openblas/cblas.h>)
#include <openblas/cblas.h>
#else
#include <cblas.h>
#endif
