// The C++ side of CEigenShim. Keep all Eigen/Ceres code in this file: it dominates
// build time, so it should change rarely.
#include "ceigenshim.h"

#include <Eigen/Core>
#include <ceres/ceres.h>
#include <ceres/rotation.h>
#include <ceres/version.h>

#include <cmath>
#include <memory>

extern "C" void ceigenshim_get_versions(ceigenshim_versions *out) {
    if (out == nullptr) return;
    out->eigen_major = EIGEN_WORLD_VERSION;
    out->eigen_minor = EIGEN_MAJOR_VERSION;
    out->eigen_patch = EIGEN_MINOR_VERSION;
    out->ceres_major = CERES_VERSION_MAJOR;
    out->ceres_minor = CERES_VERSION_MINOR;
    out->ceres_patch = CERES_VERSION_REVISION;
}

namespace {

int ParameterCount(int model) {
    switch (model) {
        case CEIGENSHIM_SIMPLE_PINHOLE: return 3;
        case CEIGENSHIM_PINHOLE: return 4;
        case CEIGENSHIM_SIMPLE_RADIAL: return 4;
        case CEIGENSHIM_RADIAL: return 5;
        case CEIGENSHIM_OPENCV: return 8;
        default: return -1;
    }
}

// Pixel of a camera-frame point, COLMAP's formulas (see Geometry/Camera/Camera+Projection.swift).
template <typename T>
void Project(int model, const double *params, const T *p, T *pixel) {
    const T u = p[0] / p[2];
    const T v = p[1] / p[2];
    T du = T(0), dv = T(0);
    double fx, fy, cx, cy;
    switch (model) {
        case CEIGENSHIM_SIMPLE_PINHOLE:
            fx = fy = params[0]; cx = params[1]; cy = params[2];
            break;
        case CEIGENSHIM_PINHOLE:
            fx = params[0]; fy = params[1]; cx = params[2]; cy = params[3];
            break;
        case CEIGENSHIM_SIMPLE_RADIAL: {
            fx = fy = params[0]; cx = params[1]; cy = params[2];
            const T radial = params[3] * (u * u + v * v);
            du = u * radial; dv = v * radial;
            break;
        }
        case CEIGENSHIM_RADIAL: {
            fx = fy = params[0]; cx = params[1]; cy = params[2];
            const T r2 = u * u + v * v;
            const T radial = params[3] * r2 + params[4] * r2 * r2;
            du = u * radial; dv = v * radial;
            break;
        }
        default: {  // OPENCV
            fx = params[0]; fy = params[1]; cx = params[2]; cy = params[3];
            const double k1 = params[4], k2 = params[5], p1 = params[6], p2 = params[7];
            const T r2 = u * u + v * v;
            const T uv = u * v;
            const T radial = k1 * r2 + k2 * r2 * r2;
            du = u * radial + 2.0 * p1 * uv + p2 * (r2 + 2.0 * u * u);
            dv = v * radial + 2.0 * p2 * uv + p1 * (r2 + 2.0 * v * v);
            break;
        }
    }
    pixel[0] = fx * (u + du) + cx;
    pixel[1] = fy * (v + dv) + cy;
}

struct ReprojectionCost {
    ReprojectionCost(int model, const double *params, const double *observed, const double *point)
        : model(model), params(params), x(observed[0]), y(observed[1]), X{point[0], point[1], point[2]} {}

    template <typename T>
    bool operator()(const T *q, const T *t, T *residual) const {
        const T world[3] = {T(X[0]), T(X[1]), T(X[2])};
        T p[3];
        ceres::UnitQuaternionRotatePoint(q, world, p);  // q is (w, x, y, z), as in COLMAP
        p[0] += t[0]; p[1] += t[1]; p[2] += t[2];
        T pixel[2];
        Project(model, params, p, pixel);
        residual[0] = pixel[0] - x;
        residual[1] = pixel[1] - y;
        return true;
    }

    int model;
    const double *params;
    double x, y;
    double X[3];
};

}  // namespace

extern "C" int ceigenshim_project(int camera_model, const double *camera_params, const double *point_in_cam,
                                  double *pixel) {
    if (ParameterCount(camera_model) < 0) return -1;
    Project(camera_model, camera_params, point_in_cam, pixel);
    return 0;
}

extern "C" int ceigenshim_refine_absolute_pose(const double *points2D, const double *points3D, int count,
                                               int camera_model, const double *camera_params,
                                               double *quaternion_wxyz, double *translation,
                                               const ceigenshim_refine_options *options,
                                               ceigenshim_refine_summary *summary) {
    summary->initial_cost = summary->final_cost = 0;
    summary->iterations = 0;
    summary->termination = -1;
    if (count < 3 || ParameterCount(camera_model) < 0 || options == nullptr) return -1;

    double q[4] = {quaternion_wxyz[0], quaternion_wxyz[1], quaternion_wxyz[2], quaternion_wxyz[3]};
    double t[3] = {translation[0], translation[1], translation[2]};
    const double qn = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    if (!(qn > 0) || !std::isfinite(qn)) return -1;
    for (double &v : q) v /= qn;

    ceres::Problem::Options problem_options;
    problem_options.loss_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
    ceres::Problem problem(problem_options);
    ceres::CauchyLoss loss(options->loss_scale);
    for (int i = 0; i < count; ++i) {
        auto *cost = new ceres::AutoDiffCostFunction<ReprojectionCost, 2, 4, 3>(
            new ReprojectionCost(camera_model, camera_params, points2D + 2 * i, points3D + 3 * i));
        problem.AddResidualBlock(cost, &loss, q, t);
    }
    problem.SetManifold(q, new ceres::QuaternionManifold());

    ceres::Solver::Options solver_options;
    solver_options.linear_solver_type = ceres::DENSE_QR;
    solver_options.max_num_iterations = options->max_iterations;
    solver_options.gradient_tolerance = options->gradient_tolerance;
    solver_options.function_tolerance = options->function_tolerance;
    solver_options.parameter_tolerance = options->parameter_tolerance;
    solver_options.num_threads = 1;
    solver_options.logging_type = ceres::SILENT;
    solver_options.minimizer_progress_to_stdout = false;

    ceres::Solver::Summary ceres_summary;
    ceres::Solve(solver_options, &problem, &ceres_summary);

    summary->initial_cost = ceres_summary.initial_cost;
    summary->final_cost = ceres_summary.final_cost;
    summary->iterations = static_cast<int>(ceres_summary.iterations.size());
    switch (ceres_summary.termination_type) {
        case ceres::CONVERGENCE: summary->termination = 0; break;
        case ceres::NO_CONVERGENCE: summary->termination = 1; break;
        default: summary->termination = 2; break;
    }
    if (!ceres_summary.IsSolutionUsable()) return -1;
    for (int k = 0; k < 4; ++k) quaternion_wxyz[k] = q[k];
    for (int k = 0; k < 3; ++k) translation[k] = t[k];
    return 0;
}
