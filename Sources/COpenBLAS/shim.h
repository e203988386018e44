#ifndef RELOC_COPENBLAS_SHIM_H
#define RELOC_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
