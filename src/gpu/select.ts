/**
 * Which GPU-resident path (src/gpu/index.ts for WebGL, src/gpu/webgpu/index.ts for WebGPU), if
 * any, a configuration runs on. Kept apart so that choosing a path does not load the path's code.
 */
import type { CompositorKind } from '../compositor/types.js';

/** A GPU-resident path: the frame, the model's input and output and the mask stay on that API's GPU objects. */
export type ResidentPath = 'webgl' | 'webgpu';

/**
 * The resident path for a configuration, or null for the CPU-planes path: backend `'webgl'` +
 * compositor `'webgl'`, or backend `'webgpu'` + compositor `'webgpu'`, each with the selfie model
 * and `people: 'all'`. Every other combination (e.g. `'webgpu'` + `'cpu'`) copies the frame to
 * CPU planes once and reads the mask back.
 */
export function residentPath(backend: string, compositor: string, model: string, people: string): ResidentPath | null {
  if (model !== 'selfie' || people !== 'all') return null;
  if (backend === 'webgl' && compositor === 'webgl') return 'webgl';
  if (backend === 'webgpu' && compositor === 'webgpu') return 'webgpu';
  return null;
}

/** Backend `'webgl'` + compositor `'webgl'` (or the WebGPU pair) run GPU-resident: see {@link residentPath}. */
export function isGpuResident(backend: string, compositor: string, model: string, people: string): boolean {
  return residentPath(backend, compositor, model, people) !== null;
}

/** What {@link autoCompositor} needs to know about the browser (a subset of `Capabilities`). */
export interface CompositorProbe {
  /** What `compositor: 'auto'` picks for the CPU-planes path (`'webgl'` on a hardware GPU, else `'cpu'`). */
  readonly autoCompositor: CompositorKind;
  /** `navigator.gpu` exists. */
  readonly webgpu: boolean;
  /** WebGL runs on a software rasteriser: taken as "no hardware GPU" for WebGPU too. */
  readonly softwareWebgl: boolean;
}

/**
 * `compositor: 'auto'` once the backend is known: `'webgpu'` (resident) when the backend is
 * `'webgpu'` on a hardware GPU and the model can run resident; otherwise the probe's pick. On a
 * software GPU the resident WebGPU path is correct but slow, and its canvas may not present
 * (docs/models-and-backends.md), so `'auto'` never picks it there.
 */
export function autoCompositor(backend: string, model: string, people: string, caps: CompositorProbe): CompositorKind {
  if (backend === 'webgpu' && caps.webgpu && !caps.softwareWebgl && residentPath('webgpu', 'webgpu', model, people)) return 'webgpu';
  return caps.autoCompositor === 'webgpu' ? 'cpu' : caps.autoCompositor;
}
