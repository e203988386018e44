/*
 * CEigenShim: the plain C API over Eigen and Ceres used by reloc's Geometry module.
 *
 * Every function takes and returns plain C types (double arrays, ints, structs of
 * those); no C++ type crosses this header. All C++ lives in ceigenshim.cpp so that
 * the (slow to compile) Eigen/Ceres templates are compiled once and rarely.
 */
#ifndef RELOC_CEIGENSHIM_H
#define RELOC_CEIGENSHIM_H

#ifdef __cplusplus
extern "C" {
#endif

/* Versions of the libraries compiled into the shim, e.g. for `reloc version`. */
typedef struct {
    int eigen_major;
    int eigen_minor;
    int eigen_patch;
    int ceres_major;
    int ceres_minor;
    int ceres_patch;
} ceigenshim_versions;

/* Fills `out` with the Eigen and Ceres versions this shim was built against. */
void ceigenshim_get_versions(ceigenshim_versions *out);

#ifdef __cplusplus
}
#endif

#endif /* RELOC_CEIGENSHIM_H */
