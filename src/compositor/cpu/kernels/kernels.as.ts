// AssemblyScript source of the CPU compositor's wasm SIMD kernels (compiled by
// scripts/build-kernels.mjs into kernels.wasm.ts; not part of the TypeScript build). Each kernel
// computes exactly what its JavaScript twin in ../blend-stage.ts computes, 16 bytes at a time.

/**
 * Background of one plane row from the blur grid: dst[i] = (a[i]·(256 − wy) + b[i]·wy + 32768) >> 16
 * for i in [0, n), where a and b are two horizontally upsampled grid rows in 8.8 fixed point (u16)
 * and wy (0..256) the vertical weight. Same result as blend-stage.ts `lerpRows`.
 */
export function lerpRows(a: usize, b: usize, wy: i32, dst: usize, n: i32): void {
  const vw = i16x8.splat(<i16>wy);
  const viy = i16x8.splat(<i16>(256 - wy));
  const half = i32x4.splat(32768);
  let x = 0;
  for (; x + 16 <= n; x += 16) {
    const p = <usize>x << 1;
    const a0 = v128.load(a + p);
    const a1 = v128.load(a + p, 16);
    const b0 = v128.load(b + p);
    const b1 = v128.load(b + p, 16);
    const l0 = i32x4.shr_u(i32x4.add(i32x4.add(i32x4.extmul_low_i16x8_u(a0, viy), i32x4.extmul_low_i16x8_u(b0, vw)), half), 16);
    const h0 = i32x4.shr_u(i32x4.add(i32x4.add(i32x4.extmul_high_i16x8_u(a0, viy), i32x4.extmul_high_i16x8_u(b0, vw)), half), 16);
    const l1 = i32x4.shr_u(i32x4.add(i32x4.add(i32x4.extmul_low_i16x8_u(a1, viy), i32x4.extmul_low_i16x8_u(b1, vw)), half), 16);
    const h1 = i32x4.shr_u(i32x4.add(i32x4.add(i32x4.extmul_high_i16x8_u(a1, viy), i32x4.extmul_high_i16x8_u(b1, vw)), half), 16);
    v128.store(dst + <usize>x, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(l0, h0), i16x8.narrow_i32x4_u(l1, h1)));
  }
  const iy = <u32>(256 - wy);
  for (; x < n; x++) {
    const p = <usize>x << 1;
    store<u8>(dst + <usize>x, <u8>((<u32>load<u16>(a + p) * iy + <u32>load<u16>(b + p) * <u32>wy + 32768) >> 16));
  }
}

/**
 * One channel of a plane's blur grid (f32, gw × gh) upsampled horizontally to `width` pixels in
 * 8.8 fixed point: out[(gy·width + x)·nc + c] = trunc((l + (r − l)·wx[x])·256 + 0.5) with l, r the
 * grid cells x0[x] and x0[x] + 1 of row gy, computed in f64 like JavaScript does. Same result as
 * blend-stage.ts `upsampleGridRows` for that channel.
 */
export function upsampleRows(grid: usize, gw: i32, gh: i32, x0: usize, wx: usize, width: i32, nc: i32, c: i32, out: usize): void {
  const next: usize = gw > 1 ? 4 : 0;
  for (let gy = 0; gy < gh; gy++) {
    const row = grid + (<usize>(gy * gw) << 2);
    let o = out + (<usize>((gy * width) * nc + c) << 1);
    const step = <usize>nc << 1;
    for (let x = 0; x < width; x++) {
      const p = row + (<usize>load<i32>(x0 + (<usize>x << 2)) << 2);
      const l = <f64>load<f32>(p);
      const r = <f64>load<f32>(p + next);
      const w = <f64>load<f32>(wx + (<usize>x << 2));
      store<u16>(o, <u16>(<u32>((l + (r - l) * w) * 256 + 0.5)));
      o += step;
    }
  }
}

/** src[x] (f32 row at `row`) as f64, with the index clamped to [0, w). */
@inline function clampedAt(row: usize, x: i32, w: i32): f64 {
  return <f64>load<f32>(row + (<usize>(x < 0 ? 0 : x >= w ? w - 1 : x) << 2));
}

/**
 * Separable Gaussian of a w × h f32 grid (`src` → `dst`, via `tmp`), kernel k[0..taps] (f32),
 * edges clamped. Every sum is formed in f64 in the same order as blur-stage.ts `blur2d` (centre,
 * then pairs by distance) and stored as f32, so the result is the JavaScript one bit for bit;
 * two values at a time (f64x2).
 */
export function blur2d(src: usize, dst: usize, tmp: usize, w: i32, h: i32, k: usize, taps: i32): void {
  const k0 = <f64>load<f32>(k);
  const vk0 = f64x2.splat(k0);
  const inner0 = taps < w ? taps : w;
  const inner1 = w - taps > inner0 ? w - taps : inner0;
  for (let y = 0; y < h; y++) {
    const s = src + (<usize>(y * w) << 2);
    const t = tmp + (<usize>(y * w) << 2);
    let x = 0;
    for (; x < inner0; x++) {
      let a = <f64>load<f32>(s + (<usize>x << 2)) * k0;
      for (let i = 1; i <= taps; i++) a += (clampedAt(s, x - i, w) + clampedAt(s, x + i, w)) * <f64>load<f32>(k + (<usize>i << 2));
      store<f32>(t + (<usize>x << 2), <f32>a);
    }
    for (; x + 2 <= inner1; x += 2) {
      const p = s + (<usize>x << 2);
      let a = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p)), vk0);
      for (let i = 1; i <= taps; i++) {
        const d = <usize>i << 2;
        const pair = f64x2.add(f64x2.promote_low_f32x4(v128.load64_zero(p - d)), f64x2.promote_low_f32x4(v128.load64_zero(p + d)));
        a = f64x2.add(a, f64x2.mul(pair, f64x2.splat(<f64>load<f32>(k + d))));
      }
      v128.store64_lane(t + (<usize>x << 2), f32x4.demote_f64x2_zero(a), 0);
    }
    for (; x < w; x++) {
      let a = <f64>load<f32>(s + (<usize>x << 2)) * k0;
      for (let i = 1; i <= taps; i++) a += (clampedAt(s, x - i, w) + clampedAt(s, x + i, w)) * <f64>load<f32>(k + (<usize>i << 2));
      store<f32>(t + (<usize>x << 2), <f32>a);
    }
  }
  for (let y = 0; y < h; y++) {
    const row = tmp + (<usize>(y * w) << 2);
    const out = dst + (<usize>(y * w) << 2);
    let x = 0;
    for (; x + 2 <= w; x += 2) {
      const o = <usize>x << 2;
      let a = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(row + o)), vk0);
      for (let i = 1; i <= taps; i++) {
        const ra = tmp + (<usize>((y - i < 0 ? 0 : y - i) * w) << 2);
        const rb = tmp + (<usize>((y + i >= h ? h - 1 : y + i) * w) << 2);
        const pair = f64x2.add(f64x2.promote_low_f32x4(v128.load64_zero(ra + o)), f64x2.promote_low_f32x4(v128.load64_zero(rb + o)));
        a = f64x2.add(a, f64x2.mul(pair, f64x2.splat(<f64>load<f32>(k + (<usize>i << 2)))));
      }
      v128.store64_lane(out + o, f32x4.demote_f64x2_zero(a), 0);
    }
    for (; x < w; x++) {
      const o = <usize>x << 2;
      let a = <f64>load<f32>(row + o) * k0;
      for (let i = 1; i <= taps; i++) {
        const ra = tmp + (<usize>((y - i < 0 ? 0 : y - i) * w) << 2);
        const rb = tmp + (<usize>((y + i >= h ? h - 1 : y + i) * w) << 2);
        a += (<f64>load<f32>(ra + o) + <f64>load<f32>(rb + o)) * <f64>load<f32>(k + (<usize>i << 2));
      }
      store<f32>(out + o, <f32>a);
    }
  }
}
