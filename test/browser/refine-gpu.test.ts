// GPU-vs-reference tests for each WebGL refine stage (src/refine/webgl/): the same inputs go to the
// TypeScript reference (src/refine/) and to the shader, in a context of the test's own; outputs
// must agree within the ε stated per stage (the maximum absolute difference is printed).
import { createGlContext, type GlContext, type Target } from '../../src/compositor/webgl/gl.js';
import type { FramePixels } from '../../src/frame/pixels.js';
import { DEFAULT_REFINE_PARAMS } from '../../src/refine/constants.js';
import { blockMean, extractLuma, guidedCoefficients, guidedScratch } from '../../src/refine/guided.js';
import { createGuidedRefiner, maxFilter, outputGeometry, sampleMask } from '../../src/refine/refiner.js';
import { meanAbsDiff, smoothTemporal } from '../../src/refine/temporal.js';
import { createEvidenceStage } from '../../src/refine/webgl/evidence-stage.js';
import { createGuideStage } from '../../src/refine/webgl/guide-stage.js';
import { createGuidedStage } from '../../src/refine/webgl/guided-stage.js';
import { createWebGLRefiner, type GlHost } from '../../src/refine/webgl/index.js';
import { createSceneStage } from '../../src/refine/webgl/scene-stage.js';
import { createTemporalStage } from '../../src/refine/webgl/temporal-stage.js';
import type { Mask } from '../../src/segmenter/types.js';
import { assert } from './assert.js';
import { loadPortrait, portraitIds } from './helpers.js';

const FW = 640, FH = 360, MS = 256;
const P = DEFAULT_REFINE_PARAMS;

/** RGBA frame from a portrait, shifted by `dx` pixels (a moving person for temporal tests). */
function frameOf(image: ImageBitmap, dx = 0): FramePixels {
  const c = new OffscreenCanvas(FW, FH);
  const g = c.getContext('2d', { willReadFrequently: true })!;
  g.drawImage(image, dx, 0, FW, FH);
  const d = g.getImageData(0, 0, FW, FH).data;
  return {
    format: 'RGBA', width: FW, height: FH, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
    planes: [{ offset: 0, stride: FW * 4 }], matrix: 'bt601', fullRange: true, colorSpace: {},
  };
}

/** A soft person-like blob mask, 256×256 bytes. */
function blobMask(shift = 0): Mask {
  const data = new Uint8Array(MS * MS);
  for (let y = 0; y < MS; y++) {
    for (let x = 0; x < MS; x++) {
      const u = (x + 0.5) / MS - 0.5 - shift, v = (y + 0.5) / MS - 0.65;
      const d = Math.sqrt((u / 0.22) ** 2 + (v / 0.45) ** 2);
      data[y * MS + x] = Math.round(255 / (1 + Math.exp((d - 1) * 14)));
    }
  }
  return { data, width: MS, height: MS };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('WebGL refine stages agree with the TypeScript reference', () => {
  let gl: WebGL2RenderingContext;
  let ctx: GlContext;
  let image: ImageBitmap;
  const g = outputGeometry(FW, FH, MS, MS, P);
  const nO = g.ow * g.oh, nG = g.gw * g.gh;

  /** Float data (R channel) as an RGBA32F target. */
  const upload = (data: Float32Array, w: number, h: number, g2: Float32Array | null = null): Target => {
    const t = ctx.target(w, h, undefined, 'rgba32f');
    const rgba = new Float32Array(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      rgba[i * 4] = data[i]!;
      rgba[i * 4 + 1] = g2 ? g2[i]! : 0;
      rgba[i * 4 + 3] = 1;
    }
    gl.bindTexture(gl.TEXTURE_2D, t.texture);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, gl.RGBA, gl.FLOAT, rgba);
    return t;
  };
  /** Channel `c` of a float target. */
  const read = (t: Target, c = 0): Float32Array => {
    const rgba = new Float32Array(t.width * t.height * 4);
    gl.bindFramebuffer(gl.FRAMEBUFFER, t.framebuffer);
    gl.readPixels(0, 0, t.width, t.height, gl.RGBA, gl.FLOAT, rgba);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    const out = new Float32Array(t.width * t.height);
    for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4 + c]!;
    return out;
  };
  const frameTexture = (f: FramePixels): WebGLTexture => {
    const t = ctx.texture();
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, f.width, f.height, 0, gl.RGBA, gl.UNSIGNED_BYTE, f.data);
    return t;
  };
  /** A byte mask in the dataToGPU dense layout (float, 4 values a texel, row y in texel row y). */
  const denseMask = (m: Mask): WebGLTexture => {
    const t = ctx.texture();
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    const f = Float32Array.from(m.data, (v) => v / 255);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, m.width / 4, m.height, 0, gl.RGBA, gl.FLOAT, f);
    return t;
  };

  before(async () => {
    const canvas = new OffscreenCanvas(2, 2);
    const c = canvas.getContext('webgl2');
    assert(c, 'WebGL2 available');
    gl = c;
    ctx = createGlContext(gl);
    assert(ctx.float32, 'float render targets (EXT_color_buffer_float) available');
    image = (await loadPortrait((await portraitIds())[0]!)).image;
  });
  after(() => ctx.dispose());

  it('guide: luma at O (ε 1e-5) and its block means at G (ε 1e-5)', () => {
    const f = frameOf(image);
    const ref = new Float32Array(nO);
    extractLuma(f, ref, g.ow, g.oh);
    const stage = createGuideStage(ctx);
    const o = ctx.target(g.ow, g.oh, undefined, 'rgba32f');
    stage.luma(frameTexture(f), FW, FH, o);
    const dL = maxDiff(read(o), ref, nO);
    const refG = new Float32Array(nG);
    blockMean(ref, g.ow, g.oh, P.subsample, refG);
    const gT = ctx.target(g.gw, g.gh, undefined, 'rgba32f');
    stage.block(upload(ref, g.ow, g.oh), gT, P.subsample);
    const dG = maxDiff(read(gT), refG, nG);
    console.log(`[refine-gpu] guide: max |Δ| luma ${dL.toExponential(2)}, block ${dG.toExponential(2)}`);
    assert(dL <= 1e-5, `luma differs by ${dL}`);
    assert(dG <= 1e-5, `block means differ by ${dG}`);
  });

  it('evidence: raw mask sampled at G and its 3×3 max from the dense dataToGPU layout (ε 1e-5)', () => {
    const m = blobMask();
    const p = new Float32Array(nG), cap = new Float32Array(nG), tmp = new Float32Array(nG);
    sampleMask(m, p, g.gw, g.gh);
    maxFilter(p, cap, g.gw, g.gh, P.capRadius, tmp);
    const out = ctx.target(g.gw, g.gh, undefined, 'rgba32f');
    createEvidenceStage(ctx).render({ texture: denseMask(m), layout: 'dense', width: MS, height: MS }, out, P.capRadius);
    const dP = maxDiff(read(out, 0), p, nG), dC = maxDiff(read(out, 1), cap, nG);
    console.log(`[refine-gpu] evidence: max |Δ| p ${dP.toExponential(2)}, cap ${dC.toExponential(2)}`);
    assert(dP <= 1e-5 && dC <= 1e-5, `p differs by ${dP}, cap by ${dC}`);
  });

  it('scene cut: mean |Δ guide| reduced on the GPU (ε 1e-5)', () => {
    const a = new Float32Array(nG), b = new Float32Array(nG);
    for (let i = 0; i < nG; i++) {
      a[i] = (Math.sin(i * 0.37) + 1) / 2;
      b[i] = (Math.cos(i * 0.11) + 1) / 2;
    }
    const out = createSceneStage(ctx).render(upload(a, g.gw, g.gh), upload(b, g.gw, g.gh));
    const d = Math.abs(read(out)[0]! - meanAbsDiff(a, b, nG));
    console.log(`[refine-gpu] scene: |Δ| ${d.toExponential(2)} (mean ${meanAbsDiff(a, b, nG).toFixed(4)})`);
    assert(d <= 1e-5, `scene measure differs by ${d}`);
  });

  it('temporal: MediaPipe smoothing + dead band (ε 1e-5); a reset or a scene cut takes p as it is', () => {
    const p = new Float32Array(nG), prev = new Float32Array(nG);
    for (let i = 0; i < nG; i++) {
      p[i] = (i * 7919) % 1000 / 999;
      prev[i] = (i * 104729) % 1000 / 999;
    }
    const stage = createTemporalStage(ctx);
    const ev = upload(p, g.gw, g.gh), pv = upload(prev, g.gw, g.gh), out = ctx.target(g.gw, g.gh, undefined, 'rgba32f');
    const calm = upload(new Float32Array([0.01]), 1, 1), cut = upload(new Float32Array([0.5]), 1, 1);
    const base = { combineWithPrevious: P.combineWithPrevious, deadBand: P.deadBand, sceneCut: P.sceneCut };
    const ref = p.slice(), refPrev = prev.slice();
    smoothTemporal(ref, refPrev, nG, P.combineWithPrevious, P.deadBand);
    stage.render(ev, pv, calm, out, { ...base, history: 3 });
    const d = maxDiff(read(out), ref, nG);
    stage.render(ev, pv, calm, out, { ...base, history: 0 });
    const dReset = maxDiff(read(out), p, nG);
    stage.render(ev, pv, cut, out, { ...base, history: 3 });
    const dCut = maxDiff(read(out), p, nG);
    console.log(`[refine-gpu] temporal: max |Δ| smoothed ${d.toExponential(2)}, reset ${dReset}, scene cut ${dCut}`);
    assert(maxDiff(ref, p, nG) > 0.05, 'the reference smoothing changed the input (the test can fail)');
    assert(d <= 1e-5, `smoothed values differ by ${d}`);
    assert(dReset === 0 && dCut === 0, `reset/scene cut did not pass p through (${dReset}, ${dCut})`);
  });

  it('guided filter coefficients A, B at G (ε 1e-3: a = cov/(var+ε) amplifies float32 rounding)', () => {
    const f = frameOf(image);
    const luma = new Float32Array(nO), I = new Float32Array(nG), p = new Float32Array(nG);
    extractLuma(f, luma, g.ow, g.oh);
    blockMean(luma, g.ow, g.oh, P.subsample, I);
    sampleMask(blobMask(), p, g.gw, g.gh);
    const A = new Float32Array(nG), B = new Float32Array(nG);
    guidedCoefficients(I, p, g.gw, g.gh, P.radius, P.eps, A, B, guidedScratch(nG));
    const scratch = ctx.target(g.gw, g.gh, undefined, 'rgba32f'), out = ctx.target(g.gw, g.gh, undefined, 'rgba32f');
    createGuidedStage(ctx).render(upload(I, g.gw, g.gh), upload(p, g.gw, g.gh), scratch, out, P.radius, P.eps);
    const dA = maxDiff(read(out, 0), A, nG), dB = maxDiff(read(out, 1), B, nG);
    let maxA = 0;
    for (const a of A) maxA = Math.max(maxA, Math.abs(a));
    console.log(`[refine-gpu] guided: max |Δ| A ${dA.toExponential(2)}, B ${dB.toExponential(2)} (max |A| ${maxA.toFixed(2)})`);
    assert(maxA > 0.5, 'coefficients are not trivial (the test can fail)');
    assert(dA <= 1e-3 && dB <= 1e-3, `A differs by ${dA}, B by ${dB}`);
  });

  it('the whole refiner (output stage included) over 4 moving frames: bytes within 1 (99.9 %) and 3 (all)', () => {
    const host: GlHost = { generation: 0, check: () => {}, run: (fn) => fn(), tracker: () => ctx };
    const gpu = createWebGLRefiner(host);
    const ref = createGuidedRefiner();
    const out = new Uint8Array(nO * 4);
    for (let k = 0; k < 4; k++) {
      const f = frameOf(image, k * 3);
      const m = blobMask(k * 0.004);
      const r = ref.refine(f, m);
      const q = gpu.refine({ texture: frameTexture(f), width: FW, height: FH }, { texture: denseMask(m), layout: 'dense', width: MS, height: MS });
      assert(q.width === r.width && q.height === r.height, `sizes ${q.width}x${q.height} vs ${r.width}x${r.height}`);
      const fb = gl.createFramebuffer();
      gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, q.texture, 0);
      gl.readPixels(0, 0, q.width, q.height, gl.RGBA, gl.UNSIGNED_BYTE, out);
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.deleteFramebuffer(fb);
      let worst = 0, over1 = 0, person = 0;
      for (let i = 0; i < nO; i++) {
        const d = Math.abs(out[i * 4]! - r.data[i]!);
        worst = Math.max(worst, d);
        if (d > 1) over1++;
        if (r.data[i]! > 127) person++;
      }
      console.log(`[refine-gpu] refiner frame ${k}: max |Δ| ${worst}/255, ${over1} of ${nO} pixels > 1, person pixels ${person}`);
      assert(person > nO * 0.05, 'the refined mask has a person (the test can fail)');
      assert(over1 <= nO * 0.001, `${over1} pixels differ by more than 1/255`);
      assert(worst <= 3, `a pixel differs by ${worst}/255`);
    }
    gpu.dispose();
  });
});
