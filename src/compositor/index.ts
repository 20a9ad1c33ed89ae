/**
 * Compositor factory and the automatic choice between the WebGL2 and CPU compositors.
 */
import type { Capabilities } from '../capabilities.js';
import { InvalidOptionsError, UnsupportedEnvironmentError } from '../errors.js';
import type { CompositorRequest } from '../options.js';
import { createCpuCompositor } from './cpu/index.js';
import { loadCpuKernels } from './cpu/kernels/index.js';
import type { Compositor, CompositorKind } from './types.js';
import { PERSON_EDGES } from './webgl/blend-stage.js';
import { createWebGLCompositor } from './webgl/index.js';

export type { Compositor, CompositorKind } from './types.js';

/** Pick a concrete compositor, or throw when the browser cannot run the requested one. */
export function resolveCompositor(request: CompositorRequest, caps: Capabilities): CompositorKind {
  if (request === 'auto') return caps.autoCompositor;
  if (request === 'webgl' && !caps.webgl2) throw new UnsupportedEnvironmentError(['WebGL2'], 'compositor \'webgl\' needs WebGL2.');
  if (request === 'webgpu' && !caps.webgpu) throw new UnsupportedEnvironmentError(['WebGPU'], 'compositor \'webgpu\' needs navigator.gpu.');
  return request;
}

/**
 * Create a compositor of the given kind; `edges` are the mask values between which the person
 * fades in (`personEdges(options.feather)`; default {@link PERSON_EDGES}). The CPU compositor
 * gets the wasm SIMD kernels when `wasmSimd` (the capability probe found WebAssembly SIMD
 * allowed; where a CSP refuses wasm, not even trying keeps the console free of a violation report).
 */
export async function createCompositor(kind: CompositorKind, edges: readonly [number, number] = PERSON_EDGES, wasmSimd = true): Promise<Compositor> {
  if (kind === 'webgl') return createWebGLCompositor(edges);
  if (kind === 'webgpu') {
    // Only the GPU-resident path (src/gpu/webgpu/) composites on WebGPU; it never takes CPU planes.
    throw new InvalidOptionsError('compositor', ["'webgl'", "'cpu'"], kind, 'The WebGPU compositor only runs GPU-resident (backend \'webgpu\', model \'selfie\').');
  }
  return createCpuCompositor(edges, wasmSimd ? await loadCpuKernels() : null);
}
