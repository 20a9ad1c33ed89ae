/**
 * Refine stage 4 (WebGPU): temporal smoothing of p with the previous smoothed mask (ping-pong
 * buffers), MediaPipe style, plus the hysteresis dead band; a reset (first frame, size change, or
 * a scene cut measured by the scene stage on the GPU) takes p as it is.
 *
 * ref: MediaPipe SegmentationSmoothingCalculator
 *      (mediapipe/calculators/image/segmentation_smoothing_calculator.cc); WGSL twin of the WebGL
 *      temporal stage and of `smoothTemporal` (src/refine/temporal.ts), same entropy polynomial.
 * Output: vec2 per pixel, (smoothed p, cap carried from the evidence).
 */
import { wgsl, type GpuContext } from '../../gpu/webgpu/gpu.js';
import type { TemporalParams } from '../webgl/temporal-stage.js';

export type { TemporalParams } from '../webgl/temporal-stage.js';

const CS = wgsl`
@group(0) @binding(0) var<storage, read> ev: array<vec2f>;     // p, cap
@group(0) @binding(1) var<storage, read> prev: array<vec2f>;   // x = previous smoothed
@group(0) @binding(2) var<storage, read> scene: array<f32>;    // [0] = mean |delta guide|
@group(0) @binding(3) var<storage, read_write> dst: array<vec2f>;
struct U { w: i32, h: i32, history: i32, ratio: f32, deadBand: f32, sceneCut: f32 };
@group(0) @binding(4) var<uniform> u: U;
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let P = vec2i(id.xy);
  if (P.x >= u.w || P.y >= u.h) { return; }
  let i = P.y * u.w + P.x;
  let e = ev[i];
  let p = e.x;
  if (u.history == 0 || scene[0] > u.sceneCut) { dst[i] = e; return; }
  let q = prev[i].x;
  let t = p - 0.5;
  let x = t * t;
  let c = x * (5.68842 + x * (-0.748699 + x * (-57.8051 + x * (291.309 + x * -624.717))));
  let unc = select(1.0 - c, 0.0, c >= 1.0);
  var s = p + (q - p) * unc * u.ratio;
  let d = s - q;
  if (d < u.deadBand && d > -u.deadBand) { s = q; }
  dst[i] = vec2f(s, e.y);
}`;

/** The temporal stage. */
export interface TemporalStage {
  /** Record the smoothing of `ev` with `prev` into `out` (all `w`×`h`); `scene` holds the scene measure. */
  render(pass: GPUComputePassEncoder, ev: GPUBuffer, prev: GPUBuffer, scene: GPUBuffer, out: GPUBuffer, w: number, h: number, p: TemporalParams): void;
}

/** Build the stage. */
export function createTemporalStage(ctx: GpuContext): TemporalStage {
  const program = ctx.compute(CS, ['read', 'read', 'read', 'storage', 'uniform']);
  const uniforms = ctx.uniforms('iiifff');
  return {
    render(pass, ev, prev, scene, out, w, h, p) {
      uniforms.set(w, h, p.history, p.combineWithPrevious, p.deadBand, p.sceneCut);
      ctx.dispatch(pass, program, ctx.bind(program, [ev, prev, scene, out, uniforms.buffer]), w, h);
    },
  };
}
