/**
 * Refine stage 4 (WebGL): temporal smoothing of p with the previous smoothed mask (ping-pong
 * targets), MediaPipe style, plus the hysteresis dead band; a reset (first frame, size change, or
 * a scene cut measured by the scene stage on the GPU) takes p as it is.
 *
 * ref: MediaPipe SegmentationSmoothingCalculator
 *      (mediapipe/calculators/image/segmentation_smoothing_calculator.cc); GPU twin of
 *      `smoothTemporal` (src/refine/temporal.ts), same entropy polynomial.
 * Output: r = smoothed p, g = cap (carried from the evidence), RGBA32F.
 */
import { glsl, type GlContext, type Target } from '../../compositor/webgl/gl.js';

const FS = glsl`#version 300 es
precision highp float;
precision highp int;
uniform sampler2D u_ev;      // r = p, g = cap
uniform sampler2D u_prev;    // r = previous smoothed
uniform sampler2D u_scene;   // 1×1: mean |Δ guide|
uniform int u_history;       // frames since reset (0 = reset now)
uniform float u_ratio;
uniform float u_deadBand;
uniform float u_sceneCut;
out vec4 o;
void main() {
  ivec2 P = ivec2(gl_FragCoord.xy);
  vec4 ev = texelFetch(u_ev, P, 0);
  float p = ev.r;
  bool reset = u_history == 0 || texelFetch(u_scene, ivec2(0, 0), 0).r > u_sceneCut;
  if (reset) { o = vec4(p, ev.g, 0.0, 1.0); return; }
  float q = texelFetch(u_prev, P, 0).r;
  float t = p - 0.5;
  float x = t * t;
  float c = x * (5.68842 + x * (-0.748699 + x * (-57.8051 + x * (291.309 + x * -624.717))));
  float u = c >= 1.0 ? 0.0 : 1.0 - c;
  float s = p + (q - p) * u * u_ratio;
  float d = s - q;
  if (d < u_deadBand && d > -u_deadBand) s = q;
  o = vec4(s, ev.g, 0.0, 1.0);
}`;

/** Parameters of one temporal pass. */
export interface TemporalParams {
  /** Frames since the last reset; 0 forces a reset. */
  history: number;
  combineWithPrevious: number;
  deadBand: number;
  sceneCut: number;
}

/** The temporal stage. */
export interface TemporalStage {
  /** Smooth `ev` with `prev` into `out` (all the same size); `scene` is the 1×1 scene measure. */
  render(ev: Target, prev: Target, scene: Target, out: Target, p: TemporalParams): void;
}

/** Build the stage. */
export function createTemporalStage(ctx: GlContext): TemporalStage {
  const { gl } = ctx;
  const program = ctx.program(FS);
  return {
    render(ev, prev, scene, out, p) {
      gl.useProgram(program);
      const units: Array<[string, Target]> = [['u_ev', ev], ['u_prev', prev], ['u_scene', scene]];
      units.forEach(([name, t], i) => {
        gl.activeTexture(gl.TEXTURE0 + i);
        gl.bindTexture(gl.TEXTURE_2D, t.texture);
        gl.uniform1i(ctx.uniform(program, name), i);
      });
      gl.uniform1i(ctx.uniform(program, 'u_history'), p.history);
      gl.uniform1f(ctx.uniform(program, 'u_ratio'), p.combineWithPrevious);
      gl.uniform1f(ctx.uniform(program, 'u_deadBand'), p.deadBand);
      gl.uniform1f(ctx.uniform(program, 'u_sceneCut'), p.sceneCut);
      ctx.draw(program, out, out.width, out.height);
    },
  };
}
