#ifndef RELOC_CHDF5_SHIM_H
#define RELOC_CHDF5_SHIM_H
#include <hdf5.h>
#endif
