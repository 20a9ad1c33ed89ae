/**
 * The WebGPU refiner: the WGSL twin of the WebGL refiner (src/refine/webgl/) and of the guided
 * refiner (src/refine/refiner.ts, its TypeScript reference), texture and buffer in, texture out,
 * no readback. Per frame, on the coarse grid G and the output grid O (see `outputGeometry`), as
 * compute dispatches in one pass of the session's frame encoder:
 *   guide (luma at O, block means at G) → evidence (raw mask at G, its local max = cap) →
 *   scene cut (mean |Δ guide| on the GPU) → temporal (ping-pong with the previous smoothed mask) →
 *   guided coefficients (A, B at G) → output (q = A·I + B at O, capped, minus the bias, bytes).
 * Same parameters (DEFAULT_REFINE_PARAMS) and the same maths as both twins; each stage is one file,
 * checked against the TypeScript reference in test/browser/webgpu-resident.test.ts.
 *
 * Ownership: every GPU object is in this refiner's own tracker, destroyed in `dispose` (or
 * dropped with a lost device and rebuilt lazily when the session's `generation` changes). The
 * returned mask texture stays valid until the next `refine`.
 */
import { CompositorError } from '../../errors.js';
import type { WebGpuFrame, WebGpuMask } from '../../gpu/webgpu/frame.js';
import type { GpuContext, GpuTarget } from '../../gpu/webgpu/gpu.js';
import { DEFAULT_REFINE_PARAMS, type RefineParams } from '../constants.js';
import { outputGeometry } from '../refiner.js';
import type { Refiner } from '../types.js';
import { createEvidenceStage, type EvidenceStage } from './evidence-stage.js';
import { createGuideStage, type GuideStage } from './guide-stage.js';
import { createGuidedStage, type GuidedStage } from './guided-stage.js';
import { createOutputStage, type OutputStage } from './output-stage.js';
import { createSceneStage, type SceneStage } from './scene-stage.js';
import { createTemporalStage, type TemporalStage } from './temporal-stage.js';

/** Where the refiner records: a WebGPU session, or a plain device in tests. */
export interface GpuHost {
  /** Increments when the device was replaced; GPU objects of an older generation are gone. */
  readonly generation: number;
  /** Throw unless the device is usable. */
  check(): void;
  /** The encoder this frame's work is recorded into (submitted by the compositor, or the test). */
  encoder(): GPUCommandEncoder;
  /** A new tracker for this refiner's objects. */
  tracker(): GpuContext;
}

interface Stages {
  ctx: GpuContext;
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
  ow: number; oh: number; gw: number; gh: number;
  lumaO: GPUBuffer;
  guideG: [GPUBuffer, GPUBuffer];
  ev: GPUBuffer;
  smoothed: [GPUBuffer, GPUBuffer];
  coef: GPUBuffer;
  AB: GPUBuffer;
  scene: GPUBuffer;
  out: GpuTarget;
}

/** A texture-path {@link Refiner} with its history, for tests. */
export interface WebGpuRefiner extends Refiner<WebGpuFrame, WebGpuMask> {
  readonly params: RefineParams;
  /** Frames refined since the last reset. */
  readonly history: number;
  /**
   * Create this generation's pipelines now (they compile in the GPU process before the device's
   * next work completes), so the first frame after start or after a rebuild does not pay for them.
   */
  prepare(): void;
}

const STORAGE = GPUBufferUsage.STORAGE;
// COPY_SRC: tests read the refined mask back to compare it with the reference.
const OUT_USAGE = GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC;

/** Create the WebGPU refiner on `host`. */
export function createWebGpuRefiner(host: GpuHost, params: RefineParams = DEFAULT_REFINE_PARAMS): WebGpuRefiner {
  let stages: Stages | null = null;
  let buf: Buffers | null = null;
  let history = 0;
  let flip = 0;
  let disposed = false;

  function build(): Stages {
    const ctx = host.tracker();
    return {
      ctx, generation: host.generation, guide: createGuideStage(ctx), evidence: createEvidenceStage(ctx),
      scene: createSceneStage(ctx), temporal: createTemporalStage(ctx), guided: createGuidedStage(ctx), output: createOutputStage(ctx),
    };
  }

  function buffers(ctx: GpuContext, frame: WebGpuFrame, mask: { width: number; height: number }): Buffers {
    const g = outputGeometry(frame.width, frame.height, mask.width, mask.height, params);
    const key = `${g.fw}x${g.fh}/${g.mw}x${g.mh}`;
    if (buf?.key === key) return buf;
    history = 0; // resolution change: the past is in another geometry
    const nO = g.ow * g.oh * 4, nG = g.gw * g.gh * 4;
    const f = (bytes: number, prev?: GPUBuffer): GPUBuffer => ctx.buffer(bytes, STORAGE, prev);
    buf = {
      key, ow: g.ow, oh: g.oh, gw: g.gw, gh: g.gh,
      lumaO: f(nO, buf?.lumaO),
      guideG: [f(nG, buf?.guideG[0]), f(nG, buf?.guideG[1])],
      ev: f(nG * 2, buf?.ev),
      smoothed: [f(nG * 2, buf?.smoothed[0]), f(nG * 2, buf?.smoothed[1])],
      coef: f(nG * 2, buf?.coef),
      AB: f(nG * 2, buf?.AB),
      scene: f(16, buf?.scene),
      out: ctx.target(g.ow, g.oh, 'rgba8unorm', OUT_USAGE, buf?.out),
    };
    return buf;
  }

  /** This generation's stages, built on first use (or by `prepare`). */
  function current(): Stages {
    if (!stages || stages.generation !== host.generation) {
      stages?.ctx.dispose(); // settles the bookkeeping; the objects died with the old device
      stages = build();
      buf = null;
      history = 0;
    }
    return stages;
  }

  return {
    params,
    prepare(): void {
      if (!disposed) current();
    },
    get history() {
      return history;
    },
    refine(frame: WebGpuFrame, mask: WebGpuMask): WebGpuMask {
      if (disposed) throw new CompositorError('Refiner was disposed.');
      if (mask.kind !== 'buffer') throw new CompositorError('The WebGPU refiner refines the model\'s mask buffer.');
      host.check();
      const s = current();
      const b = buffers(s.ctx, frame, mask);
      // Ping-pong: this frame writes [cur], reads last frame's [prev].
      const [guideCur, guidePrev] = flip ? [b.guideG[1], b.guideG[0]] : b.guideG;
      const [smoothCur, smoothPrev] = flip ? [b.smoothed[1], b.smoothed[0]] : b.smoothed;
      const pass = host.encoder().beginComputePass();
      s.guide.luma(pass, frame.view, frame.width, frame.height, b.lumaO, b.ow, b.oh);
      s.guide.block(pass, b.lumaO, b.ow, b.oh, guideCur, params.subsample);
      s.evidence.render(pass, mask.buffer, mask.width, mask.height, b.ev, b.gw, b.gh, params.capRadius);
      s.scene.render(pass, guideCur, guidePrev, b.gw, b.gh, b.scene);
      s.temporal.render(pass, b.ev, smoothPrev, b.scene, smoothCur, b.gw, b.gh, {
        history, combineWithPrevious: params.combineWithPrevious, deadBand: params.deadBand, sceneCut: params.sceneCut,
      });
      s.guided.render(pass, guideCur, smoothCur, b.coef, b.AB, b.gw, b.gh, params.radius, params.eps);
      s.output.render(pass, b.lumaO, b.AB, b.ev, b.out.view, b.ow, b.oh, b.gw, b.gh, params.hideBias);
      pass.end();
      flip = 1 - flip;
      history++;
      return { kind: 'texture', texture: b.out.texture, view: b.out.view, width: b.ow, height: b.oh };
    },
    reset(): void {
      history = 0;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      stages?.ctx.dispose();
      stages = null;
      buf = null;
    },
  };
}
