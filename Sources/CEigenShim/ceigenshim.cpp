// The C++ side of CEigenShim. Keep all Eigen/Ceres code in this file: it dominates
// build time, so it should change rarely.
#include "ceigenshim.h"

#include <Eigen/Core>
#include <ceres/version.h>

extern "C" void ceigenshim_get_versions(ceigenshim_versions *out) {
    if (out == nullptr) return;
    out->eigen_major = EIGEN_WORLD_VERSION;
    out->eigen_minor = EIGEN_MAJOR_VERSION;
    out->eigen_patch = EIGEN_MINOR_VERSION;
    out->ceres_major = CERES_VERSION_MAJOR;
    out->ceres_minor = CERES_VERSION_MINOR;
    out->ceres_patch = CERES_VERSION_REVISION;
}
