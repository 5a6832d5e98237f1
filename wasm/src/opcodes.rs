//! Op codes shared with the TypeScript side, and the unary f32 kernels. GENERATED from
//! src/backend/ops.ts and src/backend/unary.ts by
//! `npm run gen:opcodes`; do not edit (test/backend/opcodes.test.ts fails when it is stale).

/// `tg_unary_*`.
pub mod unary {
    pub const NEG: i32 = 0;
    pub const EXP: i32 = 1;
    pub const LOG: i32 = 2;
    pub const SIN: i32 = 3;
    pub const COS: i32 = 4;
    pub const TANH: i32 = 5;
    pub const LOGISTIC: i32 = 6;
    pub const SQRT: i32 = 7;
    pub const ABS: i32 = 8;
    pub const SIGN: i32 = 9;
    pub const FLOOR: i32 = 10;
    pub const ERF: i32 = 11;
    pub const SOFTPLUS: i32 = 12;
}

/// `tg_binary_*`.
pub mod arith {
    pub const ADD: i32 = 0;
    pub const SUB: i32 = 1;
    pub const MUL: i32 = 2;
    pub const DIV: i32 = 3;
    pub const MAX: i32 = 4;
    pub const MIN: i32 = 5;
    pub const POW: i32 = 6;
}

/// `tg_compare_*`.
pub mod compare {
    pub const LT: i32 = 0;
    pub const LE: i32 = 1;
    pub const GT: i32 = 2;
    pub const GE: i32 = 3;
    pub const EQ: i32 = 4;
    pub const NE: i32 = 5;
}

/// `tg_reduce_*`.
pub mod reduce {
    pub const SUM: i32 = 0;
    pub const MAX: i32 = 1;
    pub const MIN: i32 = 2;
    pub const ARGMAX: i32 = 3;
    pub const ARGMIN: i32 = 4;
}

/// Dtype codes of the ABI.
pub mod dtype {
    pub const F32: i32 = 0;
    pub const I32: i32 = 1;
    pub const BOOL: i32 = 2;
}

/// `tg_fused_f32`: one number space for a chain's ops.
pub mod fused {
    pub const NEG: i32 = 0;
    pub const EXP: i32 = 1;
    pub const LOG: i32 = 2;
    pub const TANH: i32 = 5;
    pub const LOGISTIC: i32 = 6;
    pub const SQRT: i32 = 7;
    pub const ABS: i32 = 8;
    pub const ADD: i32 = 16;
    pub const SUB: i32 = 17;
    pub const MUL: i32 = 18;
    pub const DIV: i32 = 19;
    pub const MAX: i32 = 20;
    pub const MIN: i32 = 21;
    pub const LT: i32 = 24;
    pub const LE: i32 = 25;
    pub const GT: i32 = 26;
    pub const GE: i32 = 27;
    pub const EQ: i32 = 28;
    pub const NE: i32 = 29;
    pub const CAST: i32 = 30;
    pub const WHERE: i32 = 31;
}

/// The f32 kernels of the unary ops, one per op (`exp_f32`), and `unary_f32_kernel(code)`, which
/// picks one; an unknown code traps. `$vec!(name, scalar, vector)` defines a kernel with a 4-lane
/// path (`math::<op>_v`), `$map!(name, scalar)` one without. Expanded once, in `elementwise.rs`.
macro_rules! unary_f32_kernels {
    ($vec:ident, $map:ident) => {
        $vec!(neg_f32, $crate::math::neg, $crate::math::neg_v);
        $vec!(exp_f32, $crate::math::exp, $crate::math::exp_v);
        $vec!(log_f32, $crate::math::log, $crate::math::log_v);
        $map!(sin_f32, $crate::math::sin);
        $map!(cos_f32, $crate::math::cos);
        $vec!(tanh_f32, $crate::math::tanh, $crate::math::tanh_v);
        $vec!(logistic_f32, $crate::math::logistic, $crate::math::logistic_v);
        $vec!(sqrt_f32, $crate::math::sqrt, $crate::math::sqrt_v);
        $vec!(abs_f32, $crate::math::abs, $crate::math::abs_v);
        $map!(sign_f32, $crate::math::sign);
        $vec!(floor_f32, $crate::math::floor, $crate::math::floor_v);
        $map!(erf_f32, $crate::math::erf);
        $map!(softplus_f32, $crate::math::softplus);
        /// The f32 kernel of unary code `op`; an unknown code traps.
        fn unary_f32_kernel(op: i32) -> unsafe fn(*const f32, *mut f32, usize) {
            match op {
                $crate::opcodes::unary::NEG => neg_f32,
                $crate::opcodes::unary::EXP => exp_f32,
                $crate::opcodes::unary::LOG => log_f32,
                $crate::opcodes::unary::SIN => sin_f32,
                $crate::opcodes::unary::COS => cos_f32,
                $crate::opcodes::unary::TANH => tanh_f32,
                $crate::opcodes::unary::LOGISTIC => logistic_f32,
                $crate::opcodes::unary::SQRT => sqrt_f32,
                $crate::opcodes::unary::ABS => abs_f32,
                $crate::opcodes::unary::SIGN => sign_f32,
                $crate::opcodes::unary::FLOOR => floor_f32,
                $crate::opcodes::unary::ERF => erf_f32,
                $crate::opcodes::unary::SOFTPLUS => softplus_f32,
                _ => $crate::trap(),
            }
        }
    };
}
pub(crate) use unary_f32_kernels;
