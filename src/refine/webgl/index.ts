/**
 * The WebGL refiner: the GPU twin of the guided refiner (src/refine/refiner.ts, its TypeScript
 * reference), texture in, texture out, no readback. Per frame, on the coarse grid G and the output
 * grid O (see `outputGeometry`):
 *   guide (luma at O, block means at G) → evidence (raw mask at G, its local max = cap) →
 *   scene cut (mean |Δ guide| on the GPU) → temporal (ping-pong with the previous smoothed mask) →
 *   guided coefficients (A, B at G) → output (q = A·I + B at O, capped, minus the bias, bytes).
 * Each stage is one file with a GPU-vs-reference test (test/browser/refine-gpu.test.ts).
 *
 * Ownership: every GL object is in this refiner's own tracker, deleted in `dispose` (or dropped
 * with a lost context and rebuilt lazily when the host's `generation` changes). The returned mask
 * texture stays valid until the next `refine`.
 */
import type { GlContext, Target } from '../../compositor/webgl/gl.js';
import { CompositorError } from '../../errors.js';
import type { GpuFrame, GpuMask } from '../../gpu/frame.js';
import { DEFAULT_REFINE_PARAMS, type RefineParams } from '../constants.js';
import { outputGeometry } from '../refiner.js';
import type { Refiner } from '../types.js';
import { createEvidenceStage, type EvidenceStage } from './evidence-stage.js';
import { createGuideStage, type GuideStage } from './guide-stage.js';
import { createGuidedStage, type GuidedStage } from './guided-stage.js';
import { createOutputStage, type OutputStage } from './output-stage.js';
import { createSceneStage, type SceneStage } from './scene-stage.js';
import { createTemporalStage, type TemporalStage } from './temporal-stage.js';

/** Where the refiner draws: a GPU session, or a plain context in tests. */
export interface GlHost {
  /** Increments when the context was rebuilt; GL objects of an older generation are gone. */
  readonly generation: number;
  /** Throw unless the context is usable. */
  check(): void;
  /** Run GL calls (a shared context saves and restores its owner's state around them). */
  run<T>(fn: () => T): T;
  /** A new tracker for this refiner's objects. */
  tracker(): GlContext;
}

interface Stages {
  ctx: GlContext;
  generation: number;
  guide: GuideStage;
  evidence: EvidenceStage;
  scene: SceneStage;
  temporal: TemporalStage;
  guided: GuidedStage;
  output: OutputStage;
}

interface Buffers {
  key: string;
  lumaO: Target;
  guideG: [Target, Target];
  ev: Target;
  smoothed: [Target, Target];
  coef: Target;
  AB: Target;
  out: Target;
}

/** A texture-path {@link Refiner} with its history, for tests. */
export interface WebGLRefiner extends Refiner<GpuFrame, GpuMask> {
  readonly params: RefineParams;
  /** Frames refined since the last reset. */
  readonly history: number;
}

/** Create the WebGL refiner on `host`. */
export function createWebGLRefiner(host: GlHost, params: RefineParams = DEFAULT_REFINE_PARAMS): WebGLRefiner {
  let stages: Stages | null = null;
  let buf: Buffers | null = null;
  let history = 0;
  let flip = 0;
  let disposed = false;

  function build(): Stages {
    const ctx = host.tracker();
    if (!ctx.float32) {
      ctx.dispose();
      throw new CompositorError('The WebGL refiner needs float render targets (EXT_color_buffer_float).');
    }
    return {
      ctx, generation: host.generation, guide: createGuideStage(ctx), evidence: createEvidenceStage(ctx),
      scene: createSceneStage(ctx), temporal: createTemporalStage(ctx), guided: createGuidedStage(ctx), output: createOutputStage(ctx),
    };
  }

  function buffers(ctx: GlContext, frame: GpuFrame, mask: GpuMask): Buffers {
    const g = outputGeometry(frame.width, frame.height, mask.width, mask.height, params);
    const key = `${g.fw}x${g.fh}/${g.mw}x${g.mh}`;
    if (buf?.key === key) return buf;
    const f = (w: number, h: number, prev?: Target): Target => ctx.target(w, h, prev, 'rgba32f');
    history = 0; // resolution change: the past is in another geometry
    buf = {
      key,
      lumaO: f(g.ow, g.oh, buf?.lumaO),
      guideG: [f(g.gw, g.gh, buf?.guideG[0]), f(g.gw, g.gh, buf?.guideG[1])],
      ev: f(g.gw, g.gh, buf?.ev),
      smoothed: [f(g.gw, g.gh, buf?.smoothed[0]), f(g.gw, g.gh, buf?.smoothed[1])],
      coef: f(g.gw, g.gh, buf?.coef),
      AB: f(g.gw, g.gh, buf?.AB),
      out: ctx.target(g.ow, g.oh, buf?.out, 'rgba8'),
    };
    return buf;
  }

  return {
    params,
    get history() {
      return history;
    },
    refine(frame: GpuFrame, mask: GpuMask): GpuMask {
      if (disposed) throw new CompositorError('Refiner was disposed.');
      host.check();
      if (!stages || stages.generation !== host.generation) {
        stages?.ctx.dispose(); // settles the bookkeeping; the objects died with the old context
        stages = build(); // a new context: the old objects died with the old one
        buf = null;
        history = 0;
      }
      const s = stages;
      return host.run(() => {
        const b = buffers(s.ctx, frame, mask);
        // Ping-pong: this frame writes [cur], reads last frame's [prev].
        const [guideCur, guidePrev] = flip ? [b.guideG[1], b.guideG[0]] : b.guideG;
        const [smoothCur, smoothPrev] = flip ? [b.smoothed[1], b.smoothed[0]] : b.smoothed;
        s.guide.luma(frame.texture, frame.width, frame.height, b.lumaO);
        s.guide.block(b.lumaO, guideCur, params.subsample);
        s.evidence.render(mask, b.ev, params.capRadius);
        const scene = s.scene.render(guideCur, guidePrev);
        s.temporal.render(b.ev, smoothPrev, scene, smoothCur, {
          history, combineWithPrevious: params.combineWithPrevious, deadBand: params.deadBand, sceneCut: params.sceneCut,
        });
        s.guided.render(guideCur, smoothCur, b.coef, b.AB, params.radius, params.eps);
        s.output.render(b.lumaO, b.AB, b.ev, b.out, params.hideBias);
        flip = 1 - flip;
        history++;
        return { texture: b.out.texture, layout: 'r', width: b.out.width, height: b.out.height };
      });
    },
    reset(): void {
      history = 0;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      stages?.ctx.dispose(); // deleting objects of a lost context is a no-op
      stages = null;
      buf = null;
    },
  };
}
