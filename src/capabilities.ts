/**
 * Capability probes: what this browser supports, and what `'auto'` picks.
 */
import type { CompositorKind } from './compositor/types.js';
import { calibrationCandidates, lastCalibration, type BackendCalibration } from './backends/calibrate.js';
import type { BackendName, TransportName } from './options.js';

/** What this browser supports, and what `'auto'` would pick. */
export interface Capabilities {
  /** `MediaStreamTrackProcessor` + (`MediaStreamTrackGenerator` or `VideoTrackGenerator`) on the main thread. */
  insertableStreams: boolean;
  /** `VideoTrackGenerator` (the standard name) exists. */
  videoTrackGenerator: boolean;
  /** `HTMLVideoElement.requestVideoFrameCallback` exists. */
  requestVideoFrameCallback: boolean;
  /** `HTMLCanvasElement.captureStream` exists. */
  canvasCaptureStream: boolean;
  /** A WebGL2 context can be created. */
  webgl2: boolean;
  /** WebGL2 runs on a software rasteriser (SwiftShader, llvmpipe): no real GPU. */
  softwareWebgl: boolean;
  /** `navigator.gpu` exists (an adapter is only requested when WebGPU is chosen). */
  webgpu: boolean;
  /**
   * WebAssembly exists and may be compiled: false under a Content-Security-Policy whose
   * `script-src` lacks `'wasm-unsafe-eval'` (Galene's own policy, for one), where `'auto'` then
   * picks WebGL.
   */
  wasm: boolean;
  /** WebAssembly SIMD validates. */
  wasmSimd: boolean;
  /** WebAssembly threads validate and SharedArrayBuffer is usable (needs cross-origin isolation). */
  wasmThreads: boolean;
  /** `crossOriginIsolated` is true. */
  crossOriginIsolated: boolean;
  /**
   * Module workers exist and a `ReadableStream` can be transferred to one (what worker mode
   * needs, together with insertable streams on the main thread).
   */
  workerStreams: boolean;
  /**
   * What `backend: 'auto'` picks here, or `null` when nothing usable exists: the calibrated pick
   * once a calibration ran on this page, else the heuristic (wasm SIMD, else WebGL2, else wasm).
   */
  autoBackend: BackendName | null;
  /**
   * Backends `'auto'` would time on the loaded model: wasm SIMD and GPU backends on a hardware GPU.
   * With one candidate (e.g. no GPU: WebGL is software) nothing is timed.
   */
  backendCandidates: BackendName[];
  /** The calibration `'auto'` ran on this page (per-backend median ms and the pick), or null. */
  backendCalibration: BackendCalibration | null;
  /** What `transport: 'auto'` picks here, or `null` when nothing usable exists. */
  autoTransport: TransportName | null;
  /** What `compositor: 'auto'` picks here. */
  autoCompositor: CompositorKind;
}

// Minimal modules from the wasm feature-detection suite: one SIMD op, one atomic op.
const SIMD_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
const THREADS_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11]);

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** The smallest valid module: compiling it is what a CSP without 'wasm-unsafe-eval' refuses. */
const EMPTY_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
let wasmCompilesCache: boolean | undefined;
/**
 * Whether WebAssembly may be compiled on this page. `WebAssembly.validate` does not consult the
 * CSP, so this compiles an empty module once (synchronously; under such a policy the browser
 * reports one `securitypolicyviolation` for it).
 */
function wasmCompiles(): boolean {
  if (wasmCompilesCache !== undefined) return wasmCompilesCache;
  try {
    wasmCompilesCache = typeof WebAssembly === 'object' && new WebAssembly.Module(EMPTY_MODULE) instanceof WebAssembly.Module;
  } catch {
    wasmCompilesCache = false;
  }
  return wasmCompilesCache;
}

let workerStreamsCache: boolean | undefined;
/** Whether a ReadableStream can be transferred (posted with a transfer list) here. */
function probeWorkerStreams(): boolean {
  if (workerStreamsCache !== undefined) return workerStreamsCache;
  workerStreamsCache = false;
  if (typeof Worker !== 'function' || typeof MessageChannel !== 'function' || typeof ReadableStream !== 'function') return false;
  const channel = new MessageChannel();
  try {
    const stream = new ReadableStream();
    channel.port1.postMessage(stream, [stream]);
    workerStreamsCache = true;
  } catch {
    /* DataCloneError: streams are not transferable here */
  } finally {
    channel.port1.close();
    channel.port2.close();
  }
  return workerStreamsCache;
}

let webglCache: { webgl2: boolean; software: boolean } | undefined;
function probeWebgl2(): { webgl2: boolean; software: boolean } {
  if (webglCache) return webglCache;
  webglCache = { webgl2: false, software: false };
  try {
    const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(1, 1)
      : typeof document === 'object' ? document.createElement('canvas') : null;
    const gl = (canvas?.getContext('webgl2') ?? null) as WebGL2RenderingContext | null;
    if (gl) {
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
      webglCache = { webgl2: true, software: /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer) };
      gl.getExtension('WEBGL_lose_context')?.loseContext();
    }
  } catch {
    /* no WebGL2 */
  }
  return webglCache;
}

/** Synchronous probes (no adapter requests, no model runs). */
export function probeCapabilities(): Capabilities {
  const g = globalThis as Record<string, unknown>;
  const processor = typeof g['MediaStreamTrackProcessor'] === 'function';
  const videoTrackGenerator = typeof g['VideoTrackGenerator'] === 'function';
  const generator = videoTrackGenerator || typeof g['MediaStreamTrackGenerator'] === 'function';
  const hasVideo = typeof HTMLVideoElement === 'function';
  const rvfc = hasVideo && 'requestVideoFrameCallback' in HTMLVideoElement.prototype;
  const captureStream = typeof HTMLCanvasElement === 'function' && 'captureStream' in HTMLCanvasElement.prototype;
  const wasm = wasmCompiles();
  const coi = g['crossOriginIsolated'] === true;
  const wasmSimd = wasm && validates(SIMD_MODULE);
  const wasmThreads = wasm && coi && typeof SharedArrayBuffer === 'function' && validates(THREADS_MODULE);
  const { webgl2, software: softwareWebgl } = probeWebgl2();
  const webgpu = typeof navigator === 'object' && 'gpu' in navigator && !!(navigator as { gpu?: unknown }).gpu;
  const insertableStreams = processor && generator;
  const canvasPath = hasVideo && rvfc && captureStream;
  const heuristic: BackendName | null = wasm && wasmSimd ? 'wasm' : webgl2 ? 'webgl' : wasm ? 'wasm' : null;
  const calibration = lastCalibration();
  const caps: Capabilities = {
    insertableStreams,
    videoTrackGenerator,
    requestVideoFrameCallback: rvfc,
    canvasCaptureStream: captureStream,
    webgl2,
    softwareWebgl,
    webgpu,
    wasm,
    wasmSimd,
    wasmThreads,
    crossOriginIsolated: coi,
    workerStreams: probeWorkerStreams(),
    // Without a hardware GPU, wasm SIMD is the fast and predictable choice (RECIPES: 8 ms vs 143 ms
    // on a software GPU); with one, createPrivacyTrack times the candidates (src/backends/calibrate.ts).
    autoBackend: calibration?.pick ?? heuristic,
    backendCandidates: [],
    backendCalibration: calibration,
    autoTransport: insertableStreams ? 'insertable-streams' : canvasPath ? 'canvas' : null,
    // Measured here: a 720p WebGL canvas → VideoFrame costs 65–108 ms under SwiftShader, the
    // CPU compositor's buffer-backed frame a fraction of that.
    autoCompositor: webgl2 && !softwareWebgl ? 'webgl' : 'cpu',
  };
  caps.backendCandidates = calibrationCandidates({ ...caps, autoBackend: heuristic });
  return caps;
}

/**
 * What this browser supports, and what `'auto'` would pick for backend and transport.
 * Cheap: no model is loaded and no GPU adapter is requested.
 */
export async function getCapabilities(): Promise<Capabilities> {
  return probeCapabilities();
}
