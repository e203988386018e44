// The C++ side of CCeresShim. Keep all Eigen/Ceres code in this file: it dominates
// build time, so it should change rarely.
#include "cceres.h"

#include <Eigen/Core>
#include <ceres/ceres.h>
#include <ceres/version.h>

#include <cmath>
#include <cstdlib>
#include <vector>

extern "C" void cceres_get_versions(cceres_versions *out) {
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
        case CCERES_SIMPLE_PINHOLE: return 3;
        case CCERES_PINHOLE: return 4;
        case CCERES_SIMPLE_RADIAL: return 4;
        case CCERES_RADIAL: return 5;
        case CCERES_OPENCV: return 8;
        default: return -1;
    }
}

// Intrinsics unpacked once per problem: focal lengths, principal point, distortion.
struct Intrinsics {
    int model;
    double fx, fy, cx, cy;
    double k1 = 0, k2 = 0, p1 = 0, p2 = 0;

    Intrinsics(int model, const double *p) : model(model) {
        switch (model) {
            case CCERES_SIMPLE_PINHOLE: fx = fy = p[0]; cx = p[1]; cy = p[2]; break;
            case CCERES_PINHOLE: fx = p[0]; fy = p[1]; cx = p[2]; cy = p[3]; break;
            case CCERES_SIMPLE_RADIAL: fx = fy = p[0]; cx = p[1]; cy = p[2]; k1 = p[3]; break;
            case CCERES_RADIAL: fx = fy = p[0]; cx = p[1]; cy = p[2]; k1 = p[3]; k2 = p[4]; break;
            default: fx = p[0]; fy = p[1]; cx = p[2]; cy = p[3]; k1 = p[4]; k2 = p[5]; p1 = p[6]; p2 = p[7]; break;
        }
    }

    // Pixel of camera-frame point p (COLMAP's formulas, as Geometry/Camera/Camera+Projection.swift);
    // with `jacobian` (2x3, row-major), d pixel / d p.
    __attribute__((always_inline)) void Project(const double *p, double *pixel, double *jacobian) const {
        const double iz = 1.0 / p[2];
        const double u = p[0] * iz, v = p[1] * iz;
        const double r2 = u * u + v * v, uv = u * v;
        const double radial = k1 * r2 + k2 * r2 * r2;
        const double slope = k1 + 2.0 * k2 * r2;  // d radial / d r2
        const double du = u * radial + 2.0 * p1 * uv + p2 * (r2 + 2.0 * u * u);
        const double dv = v * radial + 2.0 * p2 * uv + p1 * (r2 + 2.0 * v * v);
        pixel[0] = fx * (u + du) + cx;
        pixel[1] = fy * (v + dv) + cy;
        if (jacobian == nullptr) return;
        // d(u+du, v+dv) / d(u, v)
        const double duu = 1.0 + radial + 2.0 * u * u * slope + 2.0 * p1 * v + 6.0 * p2 * u;
        const double duv = 2.0 * uv * slope + 2.0 * p1 * u + 2.0 * p2 * v;
        const double dvu = 2.0 * uv * slope + 2.0 * p2 * v + 2.0 * p1 * u;
        const double dvv = 1.0 + radial + 2.0 * v * v * slope + 2.0 * p2 * u + 6.0 * p1 * v;
        // d(u, v) / dp = [[iz, 0, -u iz], [0, iz, -v iz]]
        jacobian[0] = fx * duu * iz;
        jacobian[1] = fx * duv * iz;
        jacobian[2] = -fx * (duu * u + duv * v) * iz;
        jacobian[3] = fy * dvu * iz;
        jacobian[4] = fy * dvv * iz;
        jacobian[5] = -fy * (dvu * u + dvv * v) * iz;
    }
};

// Entry (r, c) of the cross-product matrix [u]× (so that [u]× X = u × X).
inline double SkewEntry(const double *u, int r, int c) {
    if (r == c) return 0.0;
    if (r == 0) return c == 1 ? -u[2] : u[1];
    if (r == 1) return c == 0 ? u[2] : -u[0];
    return c == 0 ? -u[1] : u[0];
}

// R(q) X for a unit quaternion q = (w, x, y, z), and optionally d(R(q) X)/dq (3x4, row-major):
// R(q) X = (w² - v·v) X + 2 (v·X) v + 2 w (v × X), with v = (x, y, z).
void RotatePoint(const double *q, const double *X, double *out, double *jacobian) {
    const double w = q[0], vx = q[1], vy = q[2], vz = q[3];
    const double vv = vx * vx + vy * vy + vz * vz;
    const double vX = vx * X[0] + vy * X[1] + vz * X[2];
    const double c[3] = {vy * X[2] - vz * X[1], vz * X[0] - vx * X[2], vx * X[1] - vy * X[0]};  // v × X
    const double v[3] = {vx, vy, vz};
    for (int i = 0; i < 3; ++i) out[i] = (w * w - vv) * X[i] + 2.0 * vX * v[i] + 2.0 * w * c[i];
    if (jacobian == nullptr) return;
    // d/dw = 2 w X + 2 v × X
    // d/dv = -2 X vᵀ + 2 (v·X) I + 2 v Xᵀ - 2 w [X]×
    const double Xx[3][3] = {{0, -X[2], X[1]}, {X[2], 0, -X[0]}, {-X[1], X[0], 0}};
    for (int i = 0; i < 3; ++i) {
        jacobian[i * 4] = 2.0 * w * X[i] + 2.0 * c[i];
        for (int j = 0; j < 3; ++j) {
            jacobian[i * 4 + 1 + j] = -2.0 * X[i] * v[j] + (i == j ? 2.0 * vX : 0.0) + 2.0 * v[i] * X[j] - 2.0 * w * Xx[i][j];
        }
    }
}

// The Cauchy robustification of one squared residual s (1/a² = inverseA2), as RobustPoseCost's
// comment derives it: g = sqrt(ρ/s) scales the residual; the Jacobian's scale sqrt(ρ') and radial
// factor β / s give the curvature-corrected Jacobian.
__attribute__((always_inline)) inline void CauchyFactors(double s, double inverseA2, double *g, double *scale, double *radial) {
    const double x = s * inverseA2;
    if (x < 1e-6) {
        // Series at s = 0: ρ/s = 1 − x/2, ρ' = 1 − x, β = x/4 + O(x²).
        *g = 1.0 - x / 4.0;
        *scale = 1.0 - x / 2.0;
        *radial = inverseA2 / 4.0;
    } else {
        // log(1 + x) is exact to ~1e-13 relative for x ≥ 1e-3 and about twice as fast as log1p.
        const double logTerm = x < 1e-3 ? std::log1p(x) : std::log(1.0 + x);
        *g = std::sqrt(logTerm / x);
        *scale = std::sqrt(1.0 / (1.0 + x));
        *radial = (1.0 - *scale / *g) / s;
    }
}

// The rotation's Jacobian rows of a pixel: row a of d pixel / dp times −[y]× J_l is (y × a)ᵀ J_l,
// for the two rows (a, b) of d pixel / dp at the rotated point y (J_l: the left Jacobian, row-major).
__attribute__((always_inline)) inline void RotationRows(const double *y, const double *a, const double *b, const double *Jl,
                                                        double *jx, double *jy) {
    const double ca[3] = {y[1] * a[2] - y[2] * a[1], y[2] * a[0] - y[0] * a[2], y[0] * a[1] - y[1] * a[0]};
    const double cb[3] = {y[1] * b[2] - y[2] * b[1], y[2] * b[0] - y[0] * b[2], y[0] * b[1] - y[1] * b[0]};
    for (int k = 0; k < 3; ++k) {
        jx[k] = ca[0] * Jl[k] + ca[1] * Jl[3 + k] + ca[2] * Jl[6 + k];
        jy[k] = cb[0] * Jl[k] + cb[1] * Jl[3 + k] + cb[2] * Jl[6 + k];
    }
}

// R = exp(ω) R0 and J_l(ω) = I + (1 − cos θ)/θ² [ω]× + (θ − sin θ)/θ³ [ω]×² (row-major).
void ExpRotationAndLeftJacobian(const double *omega, const double *rotation0, double *R, double *Jl) {
    const double theta2 = omega[0] * omega[0] + omega[1] * omega[1] + omega[2] * omega[2];
    double a, b, c;  // exp(ω) = I + a [ω]× + b [ω]×²;  J_l = I + b [ω]× + c [ω]×²
    if (theta2 < 1e-8) {
        a = 1.0 - theta2 / 6.0;
        b = 0.5 - theta2 / 24.0;
        c = 1.0 / 6.0 - theta2 / 120.0;
    } else {
        const double theta = std::sqrt(theta2);
        a = std::sin(theta) / theta;
        b = (1.0 - std::cos(theta)) / theta2;
        c = (theta - std::sin(theta)) / (theta2 * theta);
    }
    double K[9], K2[9], E[9];
    for (int r = 0; r < 3; ++r)
        for (int col = 0; col < 3; ++col) K[3 * r + col] = SkewEntry(omega, r, col);
    for (int r = 0; r < 3; ++r)
        for (int col = 0; col < 3; ++col)
            K2[3 * r + col] = omega[r] * omega[col] - (r == col ? theta2 : 0.0);  // [ω]×² = ωωᵀ − θ² I
    for (int k = 0; k < 9; ++k) {
        const double eye = (k % 4 == 0) ? 1.0 : 0.0;
        E[k] = eye + a * K[k] + b * K2[k];
        Jl[k] = eye + b * K[k] + c * K2[k];
    }
    for (int r = 0; r < 3; ++r)
        for (int col = 0; col < 3; ++col)
            R[3 * r + col] = E[3 * r] * rotation0[col] + E[3 * r + 1] * rotation0[3 + col] + E[3 * r + 2] * rotation0[6 + col];
}

// Every observation in one residual block, each robustified by the Cauchy loss inside the cost:
// point i contributes e_i = g(s_i) r_i with s_i = |r_i|², g(s) = sqrt(ρ(s)/s), ρ(s) = a² log(1 + s/a²),
// so that ½ Σ |e_i|² = ½ Σ ρ(s_i) — exactly the Cauchy-robustified reprojection error. One block
// instead of one per point spares Ceres' per-block bookkeeping, which dominated the solve time.
//
// Parameters: the rotation vector ω of a rotation applied after the starting rotation R0,
// R = exp(ω) R0 (ω starts at 0), and t. Three rotation parameters with an exact Jacobian need
// no quaternion manifold: d(R X)/dω = −[R X]× J_l(ω), J_l the left Jacobian of SO(3), once
// per evaluation; per point that is one cross product and a 3×3 product instead of the four
// dR/dq_k products and Ceres' 4→3 manifold product (half the Jacobian time at n = 100).
//
// The Jacobian handed to Ceres is not de_i/dθ but a curvature-corrected one with the same
// gradient: Ĵ_i = sqrt(ρ') (I − β r̂ r̂ᵀ) J_i with J_i = dr_i/dθ, r̂ = r_i/|r_i| and
// β = 1 − sqrt(ρ' s / ρ). Then Ĵᵀe = ρ' Jᵀr, the exact gradient of ½ Σ ρ, and ĴᵀĴ has the
// exact curvature ρ' across r (as Triggs' correction that Ceres applies to a per-block loss),
// where de/dθ has ρ/s > ρ' (39 % too much at a 1-scale residual). With the exact Jacobian
// every Gauss–Newton step fell short by that factor and Levenberg–Marquardt converged
// linearly (trust-region ratio stuck at 1.4); with Ĵ it needs one to two iterations fewer.
class RobustPoseCost final : public ceres::CostFunction {
  public:
    RobustPoseCost(const Intrinsics *intrinsics, const double *points2D, const double *points3D, int count, double scale,
                   const double *rotation0)
        : intrinsics_(intrinsics), points2D_(points2D), points3D_(points3D), count_(count), a2_(scale * scale) {
        for (int k = 0; k < 9; ++k) rotation0_[k] = rotation0[k];
        set_num_residuals(2 * count);
        mutable_parameter_block_sizes()->push_back(3);
        mutable_parameter_block_sizes()->push_back(3);
    }

    bool Evaluate(double const *const *parameters, double *residuals, double **jacobians) const override {
        const double *omega = parameters[0];
        const double *t = parameters[1];
        const bool wantW = jacobians != nullptr && jacobians[0] != nullptr;
        const bool wantT = jacobians != nullptr && jacobians[1] != nullptr;
        double R[9], Jl[9];
        RotationAndLeftJacobian(omega, R, Jl);
        const double inverseA2 = 1.0 / a2_;
        double y[3], p[3], pixel[2], dpix[6];
        for (int i = 0; i < count_; ++i) {
            const double *X = points3D_ + 3 * i;
            for (int r = 0; r < 3; ++r) {
                y[r] = R[3 * r] * X[0] + R[3 * r + 1] * X[1] + R[3 * r + 2] * X[2];
                p[r] = y[r] + t[r];
            }
            intrinsics_->Project(p, pixel, (wantW || wantT) ? dpix : nullptr);
            const double rx = pixel[0] - points2D_[2 * i], ry = pixel[1] - points2D_[2 * i + 1];
            const double s = rx * rx + ry * ry;
            double g, scale, radial;
            CauchyFactors(s, inverseA2, &g, &scale, &radial);
            residuals[2 * i] = g * rx;
            residuals[2 * i + 1] = g * ry;
            if (!(wantW || wantT)) continue;
            // Ĵ = sqrt(ρ') (J − (β/s) r (rᵀ J)), with J = d r / dθ.
            auto chain = [&](const double *jx, const double *jy, double *out) {
                for (int k = 0; k < 3; ++k) {
                    const double common = radial * (rx * jx[k] + ry * jy[k]);
                    out[k] = scale * (jx[k] - rx * common);
                    out[3 + k] = scale * (jy[k] - ry * common);
                }
            };
            if (wantW) {
                double jx[3], jy[3];
                RotationRows(y, dpix, dpix + 3, Jl, jx, jy);
                chain(jx, jy, jacobians[0] + 6 * i);
            }
            if (wantT) chain(dpix, dpix + 3, jacobians[1] + 6 * i);
        }
        return true;
    }

    void RotationAndLeftJacobian(const double *omega, double *R, double *Jl) const {
        ExpRotationAndLeftJacobian(omega, rotation0_, R, Jl);
    }

  private:
    const Intrinsics *intrinsics_;
    const double *points2D_;
    const double *points3D_;
    int count_;
    double a2_;
    double rotation0_[9];
};

// The rotation matrix (row-major) of a unit quaternion w x y z.
void RotationMatrix(const double *q, double *R) {
    for (int col = 0; col < 3; ++col) {
        const double e[3] = {col == 0 ? 1.0 : 0.0, col == 1 ? 1.0 : 0.0, col == 2 ? 1.0 : 0.0};
        double out[3];
        RotatePoint(q, e, out, nullptr);
        for (int r = 0; r < 3; ++r) R[3 * r + col] = out[r];
    }
}

// A copy of q scaled to unit length; false for a zero or non-finite quaternion.
bool UnitQuaternion(const double *in, double *q) {
    const double n = std::sqrt(in[0] * in[0] + in[1] * in[1] + in[2] * in[2] + in[3] * in[3]);
    if (!(n > 0) || !std::isfinite(n)) return false;
    for (int k = 0; k < 4; ++k) q[k] = in[k] / n;
    return true;
}


// out = q(exp(ω)) ⊗ q, normalized (w x y z): the quaternion of R = exp(ω) R(q).
void ComposeRotationUpdate(const double *omega, const double *q, double *out) {
    const double theta = std::sqrt(omega[0] * omega[0] + omega[1] * omega[1] + omega[2] * omega[2]);
    const double half = 0.5 * theta;
    const double sinc = theta < 1e-8 ? 0.5 - theta * theta / 48.0 : std::sin(half) / theta;  // sin(θ/2)/θ
    const double dq[4] = {std::cos(half), sinc * omega[0], sinc * omega[1], sinc * omega[2]};
    const double r[4] = {dq[0] * q[0] - dq[1] * q[1] - dq[2] * q[2] - dq[3] * q[3],
                         dq[0] * q[1] + dq[1] * q[0] + dq[2] * q[3] - dq[3] * q[2],
                         dq[0] * q[2] - dq[1] * q[3] + dq[2] * q[0] + dq[3] * q[1],
                         dq[0] * q[3] + dq[1] * q[2] - dq[2] * q[1] + dq[3] * q[0]};
    const double norm = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2] + r[3] * r[3]);
    for (int k = 0; k < 4; ++k) out[k] = r[k] / norm;
}


// The robust cost of RobustPoseCost generalized (same robustification, same curvature-corrected
// Jacobians): each observation is seen by its own camera with fixed cam_from_rig (R_k, t_k), so the
// point in camera k is p = R_k (R X + t) + t_k and the pose is rig_from_world; optionally a third
// parameter block [s, k1] scales camera 0's focal length(s) by s and sets its k1.
class GeneralizedPoseCost final : public ceres::CostFunction {
  public:
    GeneralizedPoseCost(const std::vector<Intrinsics> *cameras, const double *camFromRig, const double *points2D,
                        const double *points3D, const int *cameraIndices, int count, double scale, const double *rotation0,
                        bool withIntrinsics, bool refineK1)
        : cameras_(cameras), camFromRig_(camFromRig), points2D_(points2D), points3D_(points3D), cameraIndices_(cameraIndices),
          count_(count), a2_(scale * scale), withIntrinsics_(withIntrinsics), refineK1_(refineK1) {
        for (int k = 0; k < 9; ++k) rotation0_[k] = rotation0[k];
        set_num_residuals(2 * count);
        mutable_parameter_block_sizes()->push_back(3);
        mutable_parameter_block_sizes()->push_back(3);
        if (withIntrinsics) mutable_parameter_block_sizes()->push_back(2);
    }

    bool Evaluate(double const *const *parameters, double *residuals, double **jacobians) const override {
        const double *omega = parameters[0];
        const double *t = parameters[1];
        const bool wantW = jacobians != nullptr && jacobians[0] != nullptr;
        const bool wantT = jacobians != nullptr && jacobians[1] != nullptr;
        const bool wantI = withIntrinsics_ && jacobians != nullptr && jacobians[2] != nullptr;
        double R[9], Jl[9];
        ExpRotationAndLeftJacobian(omega, rotation0_, R, Jl);
        std::vector<Intrinsics> local(*cameras_);
        if (withIntrinsics_) {
            const double s = parameters[2][0];
            local[0].fx *= s;
            local[0].fy *= s;
            if (refineK1_) local[0].k1 = parameters[2][1];
        }
        const double inverseA2 = 1.0 / a2_;
        double y[3], q[3], p[3], pixel[2], dpix[6], M[6];
        for (int i = 0; i < count_; ++i) {
            const int k = cameraIndices_[i];
            const double *X = points3D_ + 3 * i;
            const double *e = camFromRig_ + 12 * k;  // R_k row-major, then t_k
            for (int r = 0; r < 3; ++r) {
                y[r] = R[3 * r] * X[0] + R[3 * r + 1] * X[1] + R[3 * r + 2] * X[2];
                q[r] = y[r] + t[r];
            }
            for (int r = 0; r < 3; ++r) p[r] = e[3 * r] * q[0] + e[3 * r + 1] * q[1] + e[3 * r + 2] * q[2] + e[9 + r];
            const Intrinsics &camera = local[k];
            const bool wantAny = wantW || wantT || wantI;
            camera.Project(p, pixel, wantAny ? dpix : nullptr);
            const double rx = pixel[0] - points2D_[2 * i], ry = pixel[1] - points2D_[2 * i + 1];
            const double s = rx * rx + ry * ry;
            double g, scale, radial;
            CauchyFactors(s, inverseA2, &g, &scale, &radial);
            residuals[2 * i] = g * rx;
            residuals[2 * i + 1] = g * ry;
            if (!wantAny) continue;
            auto chain = [&](const double *jx, const double *jy, double *out, int columns) {
                for (int c = 0; c < columns; ++c) {
                    const double common = radial * (rx * jx[c] + ry * jy[c]);
                    out[c] = scale * (jx[c] - rx * common);
                    out[columns + c] = scale * (jy[c] - ry * common);
                }
            };
            // d pixel / d q = dpix R_k.
            for (int r = 0; r < 2; ++r)
                for (int c = 0; c < 3; ++c)
                    M[3 * r + c] = dpix[3 * r] * e[c] + dpix[3 * r + 1] * e[3 + c] + dpix[3 * r + 2] * e[6 + c];
            if (wantW) {
                double jx[3], jy[3];
                RotationRows(y, M, M + 3, Jl, jx, jy);
                chain(jx, jy, jacobians[0] + 6 * i, 3);
            }
            if (wantT) chain(M, M + 3, jacobians[1] + 6 * i, 3);
            if (wantI) {
                // pixel = f (u + du) + c: d/ds = (pixel − c)/s; d/dk1 = f (u, v) r².
                const double s0 = parameters[2][0];
                const double iz = 1.0 / p[2], u = p[0] * iz, v = p[1] * iz, r2 = u * u + v * v;
                const double jx[2] = {(pixel[0] - camera.cx) / s0, refineK1_ ? camera.fx * u * r2 : 0.0};
                const double jy[2] = {(pixel[1] - camera.cy) / s0, refineK1_ ? camera.fy * v * r2 : 0.0};
                chain(jx, jy, jacobians[2] + 4 * i, 2);
            }
        }
        return true;
    }

  private:
    const std::vector<Intrinsics> *cameras_;
    const double *camFromRig_;
    const double *points2D_;
    const double *points3D_;
    const int *cameraIndices_;
    int count_;
    double a2_;
    bool withIntrinsics_;
    bool refineK1_;
    double rotation0_[9];
};


// Solves a pose problem (a handful of parameters: the dense normal equations are the cheapest exact
// solve) with the caller's options, one thread, progress on stdout when RELOC_CERES_PROGRESS is
// set, and fills the C summary. True when the solution is usable.
bool SolvePose(ceres::Problem *problem, const cceres_refine_options &options, cceres_refine_summary *summary) {
    ceres::Solver::Options solver_options;
    solver_options.linear_solver_type = ceres::DENSE_NORMAL_CHOLESKY;
    solver_options.max_num_iterations = options.max_iterations;
    solver_options.gradient_tolerance = options.gradient_tolerance;
    solver_options.function_tolerance = options.function_tolerance;
    solver_options.parameter_tolerance = options.parameter_tolerance;
    solver_options.num_threads = 1;
    const bool progress = getenv("RELOC_CERES_PROGRESS") != nullptr;
    solver_options.logging_type = progress ? ceres::PER_MINIMIZER_ITERATION : ceres::SILENT;
    solver_options.minimizer_progress_to_stdout = progress;
    ceres::Solver::Summary ceres_summary;
    ceres::Solve(solver_options, problem, &ceres_summary);
    summary->initial_cost = ceres_summary.initial_cost;
    summary->final_cost = ceres_summary.final_cost;
    summary->iterations = static_cast<int>(ceres_summary.iterations.size());
    switch (ceres_summary.termination_type) {
        case ceres::CONVERGENCE: summary->termination = CCERES_CONVERGED; break;
        case ceres::NO_CONVERGENCE: summary->termination = CCERES_NO_CONVERGENCE; break;
        default: summary->termination = CCERES_FAILURE; break;
    }
    return ceres_summary.IsSolutionUsable();
}

}  // namespace

extern "C" int cceres_project(int camera_model, const double *camera_params, const double *point_in_cam,
                                  double *pixel) {
    if (ParameterCount(camera_model) < 0) return -1;
    Intrinsics(camera_model, camera_params).Project(point_in_cam, pixel, nullptr);
    return 0;
}

extern "C" int cceres_evaluate_pose_cost(const double *points2D, const double *points3D, int count, int camera_model,
                                         const double *camera_params, const double *quaternion_wxyz, const double *omega,
                                         const double *translation, double loss_scale, double *residuals,
                                         double *jacobian_omega, double *jacobian_translation) {
    double q[4], R0[9];
    if (count < 1 || ParameterCount(camera_model) < 0 || !(loss_scale > 0) || !UnitQuaternion(quaternion_wxyz, q)) return -1;
    RotationMatrix(q, R0);
    const Intrinsics intrinsics(camera_model, camera_params);
    RobustPoseCost cost(&intrinsics, points2D, points3D, count, loss_scale, R0);
    const double *parameters[2] = {omega, translation};
    double *jacobians[2] = {jacobian_omega, jacobian_translation};
    return cost.Evaluate(parameters, residuals, jacobian_omega == nullptr && jacobian_translation == nullptr ? nullptr : jacobians) ? 0 : -1;
}

extern "C" int cceres_refine_absolute_pose(const double *points2D, const double *points3D, int count,
                                               int camera_model, const double *camera_params,
                                               double *quaternion_wxyz, double *translation,
                                               const cceres_refine_options *options,
                                               cceres_refine_summary *summary) {
    summary->initial_cost = summary->final_cost = 0;
    summary->iterations = 0;
    summary->termination = CCERES_INVALID_INPUT;
    if (count < 3 || ParameterCount(camera_model) < 0 || options == nullptr) return -1;

    double q[4];
    if (!UnitQuaternion(quaternion_wxyz, q)) return -1;
    double t[3] = {translation[0], translation[1], translation[2]};

    const Intrinsics intrinsics(camera_model, camera_params);
    // R0 = R(q); the solve is over ω (R = exp(ω) R0) and t.
    double R0[9];
    RotationMatrix(q, R0);
    RobustPoseCost cost(&intrinsics, points2D, points3D, count, options->loss_scale, R0);
    double omega[3] = {0, 0, 0};
    ceres::Problem::Options problem_options;
    problem_options.cost_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
    ceres::Problem problem(problem_options);
    problem.AddResidualBlock(&cost, nullptr, omega, t);

    if (!SolvePose(&problem, *options, summary)) return -1;
    ComposeRotationUpdate(omega, q, quaternion_wxyz);
    for (int k = 0; k < 3; ++k) translation[k] = t[k];
    return 0;
}

extern "C" int cceres_refine_generalized_pose(const double *points2D, const double *points3D, const int *camera_indices,
                                              int count, int camera_count, const int *camera_models,
                                              const double *camera_params, const double *cam_from_rig,
                                              double *quaternion_wxyz, double *translation, int refine_focal, int refine_k1,
                                              double *intrinsics, const cceres_refine_options *options,
                                              cceres_refine_summary *summary) {
    summary->initial_cost = summary->final_cost = 0;
    summary->iterations = 0;
    summary->termination = CCERES_INVALID_INPUT;
    if (count < 3 || camera_count < 1 || options == nullptr) return -1;
    if (refine_focal && (camera_count != 1 || intrinsics == nullptr || !(intrinsics[0] > 0))) return -1;
    if (refine_k1 && (!refine_focal || camera_models[0] == CCERES_SIMPLE_PINHOLE || camera_models[0] == CCERES_PINHOLE)) return -1;
    std::vector<Intrinsics> cameras;
    std::vector<double> extrinsics(12 * camera_count);
    for (int k = 0; k < camera_count; ++k) {
        if (ParameterCount(camera_models[k]) < 0) return -1;
        cameras.emplace_back(camera_models[k], camera_params + CCERES_MAX_PARAMS * k);
        double qk[4];
        if (!UnitQuaternion(cam_from_rig + 7 * k, qk)) return -1;
        RotationMatrix(qk, extrinsics.data() + 12 * k);
        for (int r = 0; r < 3; ++r) extrinsics[12 * k + 9 + r] = cam_from_rig[7 * k + 4 + r];
    }
    for (int i = 0; i < count; ++i)
        if (camera_indices[i] < 0 || camera_indices[i] >= camera_count) return -1;

    double q[4];
    if (!UnitQuaternion(quaternion_wxyz, q)) return -1;
    double t[3] = {translation[0], translation[1], translation[2]};
    double R0[9];
    RotationMatrix(q, R0);
    double omega[3] = {0, 0, 0};
    double focalAndK1[2] = {1.0, refine_k1 ? intrinsics[1] : cameras[0].k1};
    GeneralizedPoseCost cost(&cameras, extrinsics.data(), points2D, points3D, camera_indices, count, options->loss_scale, R0,
                             refine_focal != 0, refine_k1 != 0);
    ceres::Problem::Options problem_options;
    problem_options.cost_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
    ceres::Problem problem(problem_options);
    if (refine_focal) {
        problem.AddResidualBlock(&cost, nullptr, omega, t, focalAndK1);
        problem.SetParameterLowerBound(focalAndK1, 0, 1e-3);
        if (!refine_k1) problem.SetManifold(focalAndK1, new ceres::SubsetManifold(2, {1}));
    } else {
        problem.AddResidualBlock(&cost, nullptr, omega, t);
    }

    if (!SolvePose(&problem, *options, summary)) return -1;
    ComposeRotationUpdate(omega, q, quaternion_wxyz);
    for (int k = 0; k < 3; ++k) translation[k] = t[k];
    if (refine_focal) {
        intrinsics[0] = focalAndK1[0];
        if (refine_k1) intrinsics[1] = focalAndK1[1];
    }
    return 0;
}
