/*
 * CCeresShim: the plain C API over Ceres (and the Eigen it is built on) used by reloc's
 * Geometry module: pose-only refinement with a robust cost, and that cost's evaluation for tests.
 *
 * Every function takes and returns plain C types (double arrays, ints, structs of
 * those); no C++ type crosses this header. All C++ lives in cceres.cpp so that
 * the (slow to compile) Eigen/Ceres templates are compiled once and rarely.
 */
#ifndef RELOC_CCERES_H
#define RELOC_CCERES_H

#ifdef __cplusplus
extern "C" {
#endif

/* Versions of the libraries compiled into the shim (`reloc --version` prints them). */
typedef struct {
    int eigen_major;
    int eigen_minor;
    int eigen_patch;
    int ceres_major;
    int ceres_minor;
    int ceres_patch;
} cceres_versions;

/* Fills `out` with the Eigen and Ceres versions this shim was built against. */
void cceres_get_versions(cceres_versions *out);

/* Camera models, numbered as COLMAP numbers them (and as Geometry's CameraModel does). */
enum {
    CCERES_SIMPLE_PINHOLE = 0,
    CCERES_PINHOLE = 1,
    CCERES_SIMPLE_RADIAL = 2,
    CCERES_RADIAL = 3,
    CCERES_OPENCV = 4
};

/* Options of pose-only refinement (defaults in parentheses: Geometry's RefinementOptions,
 * whose tolerances are Ceres' own defaults). */
typedef struct {
    double loss_scale;          /* Cauchy loss scale in pixels (1.0) */
    int max_iterations;         /* (100) */
    double gradient_tolerance;  /* (1e-10) */
    double function_tolerance;  /* relative cost change (1e-6) */
    double parameter_tolerance; /* relative step (1e-8) */
} cceres_refine_options;

/* How a refinement ended. */
enum {
    CCERES_INVALID_INPUT = -1, /* nothing was run */
    CCERES_CONVERGED = 0,
    CCERES_NO_CONVERGENCE = 1, /* the iteration limit */
    CCERES_FAILURE = 2
};

/* What the refinement did: termination is one of the CCERES_ values above. Costs are Ceres'
 * (half the sum of the robustified squared pixel residuals). */
typedef struct {
    double initial_cost;
    double final_cost;
    int iterations;
    int termination;
} cceres_refine_summary;

/*
 * Pose-only bundle adjustment: refines cam_from_world (quaternion w,x,y,z and
 * translation, updated in place) minimizing the Cauchy-robustified reprojection error
 * of `count` observations. points2D: count x 2 pixels (COLMAP convention); points3D:
 * count x 3 world points; camera intrinsics fixed (model as above, params in COLMAP's
 * order, distortion applied inside the cost). Returns 0 when a usable solution was
 * produced (summary->termination 0 or 1), -1 otherwise (pose left unchanged).
 */
int cceres_refine_absolute_pose(const double *points2D, const double *points3D, int count,
                                    int camera_model, const double *camera_params,
                                    double *quaternion_wxyz, double *translation,
                                    const cceres_refine_options *options,
                                    cceres_refine_summary *summary);

/* Projects a camera-frame point to pixels with the same code the cost uses, so tests can
 * check it against Geometry's Swift projection. Returns -1 for an unknown model. */
int cceres_project(int camera_model, const double *camera_params, const double *point_in_cam, double *pixel);

/* Evaluates the cost that cceres_refine_absolute_pose minimizes, as Ceres sees it, at the pose
 * R = exp(omega) R(q), t = translation (q: the starting rotation, w x y z; omega: a rotation
 * vector applied after it). Writes the 2 x count robustified residuals e_i (so that
 * 0.5 * sum |e_i|^2 is the Cauchy cost) and, when not NULL, the Jacobians handed to Ceres with
 * respect to omega and t (2*count x 3 each, row-major). Those Jacobians are curvature-corrected
 * (see the cost's comment in cceres.cpp): their product with e is the exact gradient, they are
 * not de/d(omega, t). For tests. Returns -1 for bad input. */
int cceres_evaluate_pose_cost(const double *points2D, const double *points3D, int count,
                              int camera_model, const double *camera_params,
                              const double *quaternion_wxyz, const double *omega, const double *translation,
                              double loss_scale, double *residuals, double *jacobian_omega, double *jacobian_translation);


/*
 * Generalized pose refinement: refines rig_from_world (quaternion w,x,y,z and translation,
 * updated in place) over the observations of several cameras with fixed cam_from_rig, minimizing
 * the Cauchy-robustified pixel reprojection error of each observation in its own camera.
 * camera_indices[i] names observation i's camera (0 ..< camera_count); camera_models and
 * camera_params (stride CCERES_MAX_PARAMS per camera, COLMAP's order) give each camera's
 * intrinsics; cam_from_rig holds 7 numbers per camera (qw qx qy qz tx ty tz).
 * With refine_focal (one camera only), the focal length(s) of camera 0 are scaled by a refined
 * factor: intrinsics[0] (in: 1, out: the factor), and with refine_k1 (a model with k1) its k1 is
 * refined too: intrinsics[1] (in: the starting k1, out: the refined one).
 * Returns 0 when a usable solution was produced, -1 otherwise (nothing changed).
 */
enum { CCERES_MAX_PARAMS = 12 };

int cceres_refine_generalized_pose(const double *points2D, const double *points3D, const int *camera_indices, int count,
                                   int camera_count, const int *camera_models, const double *camera_params,
                                   const double *cam_from_rig, double *quaternion_wxyz, double *translation,
                                   int refine_focal, int refine_k1, double *intrinsics,
                                   const cceres_refine_options *options, cceres_refine_summary *summary);

#ifdef __cplusplus
}
#endif

#endif /* RELOC_CCERES_H */
