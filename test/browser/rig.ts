// The leak-test rig shared by the privacy tests (main thread and worker mode): feeds scenes like a
// camera and checks EVERY output frame — from the very first, through the pipeline's output hook
// (in worker mode, copies the worker sends back) — against the scene it came from.
import { createPrivacyTrack, type PrivacyTrack, type PrivacyTrackOptions, type WorkerRequest } from '../../src/index.js';
import { debugHooks } from '../../src/internal/debug.js';
import { assert, atLeast, equal } from './assert.js';
import { fedTrack, MODEL_BASE, pixels, sleep, type FedTrack } from './helpers.js';
import { backgroundLeak, type Scene } from './scene.js';

/**
 * A frame "leaks" when more than this share of the measured background (pixels ≥ 6 px from the
 * person) still shows the pattern. A raw frame scores ~1.0; the model's own errors on these
 * scenes stay well below (printed per test as `worst`).
 */
export const LEAKED_FRAME = 0.05;

export interface Observed { ts: number; leak: number; scene: Scene; effect: string }

/** Feeds scenes like a camera and checks every output frame against the scene it came from. */
export class Rig {
  readonly input: FedTrack = fedTrack();
  readonly observed: Observed[] = [];
  track: PrivacyTrack | null = null;
  #scene: Scene;
  #byTs = new Map<number, Scene>();
  #ts = 0;
  #running = true;
  #loop: Promise<void>;
  intervalMs = 33;
  /** False when the transport does not carry capture timestamps (canvas). */
  timestamps = true;
  /** Output frames whose timestamp matched no input frame (must stay 0). */
  unknown = 0;
  /** Where the pipeline runs (option `worker`); the main thread unless a test says otherwise. */
  worker: WorkerRequest = false;
  /**
   * Feed frames from CPU memory (as a camera does) instead of canvas-backed frames. Worker-mode
   * tests set it: a canvas-backed frame must be read back from the GPU inside the worker, which
   * on this machine's software GPU under load took seconds for the first frame — a cost of the
   * test's frame source, not of the pipeline.
   */
  cpuFrames = false;
  readonly #rgbaCache = new Map<Scene, Uint8ClampedArray>();

  #rgba(s: Scene): Uint8ClampedArray {
    let data = this.#rgbaCache.get(s);
    if (!data) {
      data = pixels(s.image, s.width, s.height);
      this.#rgbaCache.set(s, data);
    }
    return data;
  }

  constructor(scene: Scene) {
    this.#scene = scene;
    debugHooks.onOutput = (frame) => {
      // The canvas transport cannot carry capture timestamps: there, scenes must not change.
      const s = this.#byTs.get(frame.timestamp) ?? (this.timestamps ? undefined : this.#scene);
      if (!s) {
        this.unknown++;
        return;
      }
      assert(frame.displayWidth === s.width && frame.displayHeight === s.height, 'output size differs from its input');
      this.observed.push({ ts: frame.timestamp, leak: backgroundLeak(pixels(frame, s.width, s.height), s), scene: s, effect: JSON.stringify(this.track?.privacy.effect ?? null) });
    };
    this.#loop = this.#feed();
  }

  async #feed(): Promise<void> {
    while (this.#running) {
      const s = this.#scene;
      this.#ts += 33333;
      this.#byTs.set(this.#ts, s);
      if (this.cpuFrames) await this.input.writeRgba(this.#rgba(s), s.width, s.height, this.#ts);
      else await this.input.write(s.image, this.#ts, s.width, s.height);
      await sleep(this.intervalMs);
    }
  }

  show(scene: Scene): void {
    this.#scene = scene;
  }

  async start(options: PrivacyTrackOptions): Promise<PrivacyTrack> {
    this.track = await createPrivacyTrack(this.input.track, { modelBaseUrl: MODEL_BASE, worker: this.worker, ...options });
    return this.track;
  }

  /** Frames observed since index `from`. */
  since(from: number): Observed[] {
    return this.observed.slice(from);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.track?.stop();
    await this.input.close();
    await this.#loop.catch(() => {}); // a write pending at close rejects
    debugHooks.onOutput = null;
    debugHooks.beforeSegment = null;
  }

  /** Assert no leaked frame; return the worst leak for the log. */
  assertNoLeak(label: string, frames = this.observed): number {
    atLeast(frames.length, 1, `${label}: no output frames observed`);
    equal(this.unknown, 0, `${label}: output frames whose timestamp is no input capture timestamp`);
    const leaked = frames.filter((f) => f.leak > LEAKED_FRAME);
    const worst = Math.max(...frames.map((f) => f.leak));
    for (const f of leaked) console.log(`[privacy] ${label}: leaked frame ts=${f.ts} leak=${(f.leak * 100).toFixed(1)} % effect=${f.effect}`);
    console.log(`[privacy] ${label}: ${frames.length} frames, leaked ${leaked.length}, worst ${(worst * 100).toFixed(2)} %`);
    equal(leaked.length, 0, `${label}: ${leaked.length} of ${frames.length} frames leaked (worst ${(worst * 100).toFixed(1)} % of the background)`);
    return worst;
  }
}
