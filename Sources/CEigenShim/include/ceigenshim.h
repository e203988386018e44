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

/* Camera models, numbered as COLMAP numbers them (and as Geometry's CameraModel does). */
enum {
    CEIGENSHIM_SIMPLE_PINHOLE = 0,
    CEIGENSHIM_PINHOLE = 1,
    CEIGENSHIM_SIMPLE_RADIAL = 2,
    CEIGENSHIM_RADIAL = 3,
    CEIGENSHIM_OPENCV = 4
};

/* Options of pose-only refinement (defaults in parentheses, as Geometry sets them). */
typedef struct {
    double loss_scale;          /* Cauchy loss scale in pixels (1.0) */
    int max_iterations;         /* (100) */
    double gradient_tolerance;  /* (1e-10) */
    double function_tolerance;  /* (1e-10) */
    double parameter_tolerance; /* (1e-10) */
} ceigenshim_refine_options;

/* What the refinement did. termination: 0 converged, 1 no convergence (iteration limit),
 * 2 failure, -1 invalid input (nothing was run). Costs are Ceres' (half the sum of the
 * robustified squared pixel residuals). */
typedef struct {
    double initial_cost;
    double final_cost;
    int iterations;
    int termination;
} ceigenshim_refine_summary;

/*
 * Pose-only bundle adjustment: refines cam_from_world (quaternion w,x,y,z and
 * translation, updated in place) minimizing the Cauchy-robustified reprojection error
 * of `count` observations. points2D: count x 2 pixels (COLMAP convention); points3D:
 * count x 3 world points; camera intrinsics fixed (model as above, params in COLMAP's
 * order, distortion applied inside the cost). Returns 0 when a usable solution was
 * produced (summary->termination 0 or 1), -1 otherwise (pose left unchanged).
 */
int ceigenshim_refine_absolute_pose(const double *points2D, const double *points3D, int count,
                                    int camera_model, const double *camera_params,
                                    double *quaternion_wxyz, double *translation,
                                    const ceigenshim_refine_options *options,
                                    ceigenshim_refine_summary *summary);

/* Projects a camera-frame point to pixels with the same code the cost uses, so tests can
 * check it against Geometry's Swift projection. Returns -1 for an unknown model. */
int ceigenshim_project(int camera_model, const double *camera_params, const double *point_in_cam, double *pixel);

/* Evaluates one observation's cost as Ceres sees it: residual (projection - observed, 2)
 * and its analytic Jacobians with respect to the quaternion (2x4, row-major, w x y z) and the
 * translation (2x3, row-major). For tests (finite-difference checks). Returns -1 for an
 * unknown model. */
int ceigenshim_evaluate_reprojection(int camera_model, const double *camera_params,
                                     const double *quaternion_wxyz, const double *translation,
                                     const double *point3D, const double *observed,
                                     double *residual, double *jacobian_q, double *jacobian_t);

#ifdef __cplusplus
}
#endif

#endif /* RELOC_CEIGENSHIM_H */
