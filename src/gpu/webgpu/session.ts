/**
 * The WebGPU-resident path's shared device: tfjs-webgpu's own `GPUDevice`
 * (`WebGPUBackend.device`), borrowed by the frame reader, the segmenter's resize, the WGSL refiner
 * and the compositor, so the camera frame, the model's input and output, the refined mask and the
 * output frame never leave the GPU. WebGPU has no global state to save and restore: each stage
 * records its own command encoders and bind groups.
 *
 * Per frame: the reader copies the camera frame into a texture (a queue operation), the segmenter
 * submits its resize and then tfjs's commands, the refiner and the compositor record into one
 * frame encoder ({@link WebGpuSession.encoder}) that the compositor submits. All of a frame's
 * refine and composite work is one command buffer: if any of it is invalid, none of it runs, so a
 * half-refined (stale) mask is never composited.
 *
 * Fail closed: the session listens to the device's `lost` promise and `uncapturederror`; every
 * submit of ours is inside error scopes whose result is checked. Any of these marks the session
 * lost: every stage then refuses (the pipeline veils or withholds frames) while tfjs's webgpu
 * backend is rebuilt on a new device (the old one is destroyed so every session on it notices),
 * `generation` increments and the registered rebuild callbacks run (the segmenter reloads its
 * model); stages compare `generation` and rebuild their GPU objects lazily. After
 * {@link MAX_DEVICE_REBUILDS} rebuilds the session stays lost: frames stay withheld and the
 * pipeline reports the failure.
 *
 * Ownership: each stage owns its own tracker (src/gpu/webgpu/gpu.ts); the session owns its
 * listeners. The WebGPU segmenter, last in the pipeline's teardown, disposes it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CompositorError, UnsupportedEnvironmentError } from '../../errors.js';
import { createGpuContext, type GpuContext } from './gpu.js';

/** Rebuilds of the tfjs backend one session attempts before it stays lost. */
export const MAX_DEVICE_REBUILDS = 2;

/** The device of tfjs's registered webgpu backend (active or not), or null. */
export function tfjsWebgpuDevice(): GPUDevice | null {
  const backend: unknown = tf.engine().registry['webgpu'];
  const device = backend !== null && typeof backend === 'object' && 'device' in backend ? backend.device : null;
  return typeof GPUDevice === 'function' && device instanceof GPUDevice ? device : null;
}

/** Whether `v` is a `GPUAdapterInfo` (what tfjs reads of it: vendor and architecture). */
function isAdapterInfo(v: unknown): v is GPUAdapterInfo {
  return typeof v === 'object' && v !== null && 'vendor' in v && 'architecture' in v;
}

/** `GPUAdapter.info` (newer than the bundled typings), as tfjs-webgpu's registration passes it. */
function adapterInfo(adapter: GPUAdapter): GPUAdapterInfo | undefined {
  const info: unknown = Reflect.get(adapter, 'info');
  return isAdapterInfo(info) ? info : undefined;
}

/** Rebuilds in progress, by the device they replace (sessions sharing a device share one rebuild). */
const replacements = new WeakMap<GPUDevice, Promise<GPUDevice>>();

/** Limits tfjs-webgpu asks its own device for (src base.ts of tfjs-backend-webgpu 4.22). */
const TFJS_LIMITS = [
  'maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize',
  'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup',
] as const;

/** Attempts at a new adapter and device after a loss, {@link REBUILD_RETRY_MS} apart. */
const REBUILD_ATTEMPTS = 10;
/** Wait between attempts: right after a GPU process crash `requestAdapter` resolves null for a while. */
const REBUILD_RETRY_MS = 300;

/** A device as tfjs-webgpu's own registration asks for one, retried while the adapter comes back. */
async function requestTfjsDevice(): Promise<{ device: GPUDevice; info: GPUAdapterInfo | undefined }> {
  let last: unknown = null;
  for (let attempt = 0; attempt < REBUILD_ATTEMPTS; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, REBUILD_RETRY_MS));
    try {
      const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) continue;
      const requiredLimits: Record<string, number> = {};
      for (const name of TFJS_LIMITS) requiredLimits[name] = adapter.limits[name];
      const requiredFeatures: GPUFeatureName[] = [];
      if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
      return { device: await adapter.requestDevice({ requiredLimits, requiredFeatures }), info: adapterInfo(adapter) };
    } catch (error) {
      last = error;
    }
  }
  throw new UnsupportedEnvironmentError(['WebGPU'], `No WebGPU adapter or device after the device was lost${last ? `: ${String(last)}` : '.'}`, { cause: last });
}

/**
 * Replace tfjs's webgpu backend (its device `old` was lost) with one on a new device, as
 * tfjs-webgpu's own registration builds it, and activate it. `old` is destroyed so every session
 * still on it sees the loss. Concurrent calls for the same device share one rebuild.
 */
export function replaceTfjsWebgpuBackend(old: GPUDevice): Promise<GPUDevice> {
  let pending = replacements.get(old);
  if (!pending) {
    pending = (async () => {
      const current = tfjsWebgpuDevice();
      if (current && current !== old) return current; // already replaced
      const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
      try {
        tf.removeBackend('webgpu'); // disposes the dead backend; its tensors' buffers went with the device
      } catch {
        /* not registered: nothing to remove */
      }
      tf.registerBackend('webgpu', async () => {
        const device = await requestTfjsDevice();
        return new WebGPUBackend(device.device, device.info);
      }, 3);
      if (!(await tf.setBackend('webgpu'))) throw new UnsupportedEnvironmentError(['WebGPU'], 'tfjs webgpu backend did not restart after the device was lost.');
      old.destroy(); // idempotent; other sessions on it now see `lost`
      const device = tfjsWebgpuDevice();
      if (!device) throw new UnsupportedEnvironmentError(['WebGPU'], 'tfjs webgpu backend restarted without a device.');
      return device;
    })();
    replacements.set(old, pending);
    // A failed rebuild may be retried by a later loss (the GPU process may have been restarting).
    pending.catch(() => replacements.delete(old));
  }
  return pending;
}

/** The first GPU error of a scope (a `GPUError`, or why the scope could not be read), or null. */
export type ScopeResult = Promise<{ readonly message: string } | null>;

/** See the module comment. */
export interface WebGpuSession {
  /** The current device (a new one after each rebuild). */
  readonly device: GPUDevice;
  /** Increments each time the backend is rebuilt on a new device. */
  readonly generation: number;
  /** True from a loss or GPU error until the rebuild has finished (or for good, see the module comment). */
  readonly lost: boolean;
  /** Throw a `CompositorError` unless the device is usable. */
  check(): void;
  /** A tracker for one stage's GPU objects on the current device (the stage disposes it). */
  tracker(): GpuContext;
  /** The current frame's command encoder (the refiner and the compositor record into it). */
  encoder(): GPUCommandEncoder;
  /** Drop a frame encoder that was never submitted (its frame failed half-way). */
  discard(): void;
  /**
   * Submit the frame encoder inside error scopes; an error found later marks the session lost.
   * Returns the scopes' result.
   */
  submit(): ScopeResult;
  /**
   * Run `fn` (GPU calls of ours or tfjs's) inside validation, out-of-memory and internal error
   * scopes; `errors` resolves with the first error, or null. `fn`'s exceptions propagate.
   */
  scoped<T>(fn: () => T): { value: T; errors: ScopeResult };
  /** Mark the session lost because of `cause` (a GPU error found by a stage) and rebuild. */
  fail(cause: unknown): void;
  /** Called (awaited) after each rebuild, before `lost` turns false. */
  onRebuild(fn: () => Promise<void>): void;
  /** Why the session was last lost (for error messages), or null. */
  readonly lastFailure: string | null;
  /** Stop listening. Idempotent. */
  dispose(): void;
}

/**
 * Open a session on tfjs's active webgpu backend.
 * @throws UnsupportedEnvironmentError when tfjs's active backend is not webgpu
 */
export function createWebGpuSession(): WebGpuSession {
  const first = tf.getBackend() === 'webgpu' ? tfjsWebgpuDevice() : null;
  if (!first) throw new UnsupportedEnvironmentError(['WebGPU'], 'The WebGPU-resident path needs the tfjs webgpu backend active.');
  let device: GPUDevice = first;
  let generation = 0;
  let lost = false;
  let disposed = false;
  let rebuilding = false;
  let rebuilds = 0;
  let lastFailure: string | null = null;
  let frameEncoder: GPUCommandEncoder | null = null;
  const callbacks: Array<() => Promise<void>> = [];

  const onUncaptured = (e: Event): void => {
    if (e instanceof GPUUncapturedErrorEvent) fail(e.error);
  };
  function watch(d: GPUDevice): void {
    d.addEventListener('uncapturederror', onUncaptured);
    void d.lost.then((info) => {
      if (!disposed && d === device) fail(new CompositorError(`WebGPU device lost (${info.reason || 'unknown'}): ${info.message}`));
    });
  }

  function fail(cause: unknown): void {
    if (disposed) return;
    lost = true;
    lastFailure = cause !== null && typeof cause === 'object' && 'message' in cause ? String(cause.message) : String(cause);
    frameEncoder = null;
    if (rebuilding || rebuilds >= MAX_DEVICE_REBUILDS) return;
    rebuilding = true;
    rebuilds++;
    const old = device;
    void (async () => {
      try {
        const next = await replaceTfjsWebgpuBackend(old);
        if (disposed) return;
        old.removeEventListener('uncapturederror', onUncaptured);
        device = next;
        generation++;
        watch(next);
        for (const fn of callbacks) await fn();
        if (!disposed && device === next) lost = false;
      } catch (error) {
        lastFailure = `rebuild failed: ${String(error)}`; // stays lost: frames stay withheld (fail closed)
      } finally {
        rebuilding = false;
      }
    })();
  }

  /** Pop the three scopes `scoped` pushed; resolves with the first error, or null. */
  function pop(d: GPUDevice): ScopeResult {
    const pops = [d.popErrorScope(), d.popErrorScope(), d.popErrorScope()];
    return Promise.all(pops).then((es) => es.find((e) => e !== null) ?? null, (e: unknown) => ({ message: `popErrorScope: ${String(e)}` }));
  }

  function scoped<T>(fn: () => T): { value: T; errors: ScopeResult } {
    const d = device;
    d.pushErrorScope('internal');
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    let errors: ScopeResult | null = null;
    try {
      const value = fn();
      errors = pop(d);
      return { value, errors };
    } finally {
      if (!errors) void pop(d); // fn threw: balance the scopes; the exception propagates
    }
  }

  watch(device);

  return {
    get device() {
      return device;
    },
    get generation() {
      return generation;
    },
    get lost() {
      return lost;
    },
    get lastFailure() {
      return lastFailure;
    },
    check(): void {
      if (disposed) throw new CompositorError('WebGPU session was disposed.');
      if (lost) throw new CompositorError(`WebGPU device unusable${lastFailure ? ` (${lastFailure})` : ''}; frames are withheld until it is rebuilt.`);
    },
    tracker: () => createGpuContext(device),
    encoder(): GPUCommandEncoder {
      frameEncoder ??= device.createCommandEncoder();
      return frameEncoder;
    },
    discard(): void {
      frameEncoder = null;
    },
    submit(): ScopeResult {
      const encoder = frameEncoder;
      frameEncoder = null;
      if (!encoder) return Promise.resolve(null);
      const { errors } = scoped(() => device.queue.submit([encoder.finish()]));
      void errors.then((e) => {
        if (e) fail(e);
      });
      return errors;
    },
    scoped,
    fail,
    onRebuild(fn) {
      callbacks.push(fn);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      frameEncoder = null;
      device.removeEventListener('uncapturederror', onUncaptured);
      callbacks.length = 0;
    },
  };
}
