#ifndef RELOC_CMALLOC_SHIM_H
#define RELOC_CMALLOC_SHIM_H
#if defined(__linux__)
#include <malloc.h>
#endif
#endif
