// Adaptive quality's model-size step (src/worker/model-step.ts) and which models may step
// (STEP_DOWN_VARIANT): the decision logic; the switch itself runs in Chromium
// (test/browser/worker-privacy.test.ts, "adaptive model").
import { describe, expect, it } from 'vitest';
import { STEP_DOWN_VARIANT } from '../../src/segmenter/blazepose/constants.js';
import { MODEL_STEP_DOWN, MODEL_STEP_FRAMES, MODEL_STEP_SKIP, ModelStepController } from '../../src/worker/model-step.js';

const PERIOD = 1000 / 30;

/** Feed `n` segmented frames of `ms` each; the indices (0-based) at which it fired. */
function feed(c: ModelStepController, n: number, ms: number | ((i: number) => number), period = PERIOD): number[] {
  const fired: number[] = [];
  for (let i = 0; i < n; i++) if (c.record(typeof ms === 'number' ? ms : ms(i), period)) fired.push(i);
  return fired;
}

describe('ModelStepController', () => {
  it('fires once, after the warm-up frames and one full window, when segmentation takes > 2 camera intervals', () => {
    const c = new ModelStepController(true);
    const fired = feed(c, 100, 150);
    expect(fired).toEqual([MODEL_STEP_SKIP + MODEL_STEP_FRAMES - 1]);
    expect(c.fired).toBe(true);
  });
  it('does not fire at or below the bar (full at ~40 ms per call: reusing masks is enough)', () => {
    expect(feed(new ModelStepController(true), 200, 40)).toEqual([]);
    expect(feed(new ModelStepController(true), 200, MODEL_STEP_DOWN * PERIOD)).toEqual([]);
    expect(feed(new ModelStepController(true), 200, MODEL_STEP_DOWN * PERIOD + 0.5)).toHaveLength(1);
  });
  it('ignores slow warm-up calls and judges the window mean, not single slow frames', () => {
    // The first calls of a model are slow; then 40 ms with one 300 ms hiccup per window.
    const fired = feed(new ModelStepController(true), 200, (i) => (i < MODEL_STEP_SKIP ? 2000 : i % MODEL_STEP_FRAMES === 0 ? 300 : 40));
    expect(fired).toEqual([]);
  });
  it('never fires while the camera interval is unknown, or when disabled', () => {
    expect(feed(new ModelStepController(true), 100, 500, Infinity)).toEqual([]);
    const off = new ModelStepController(false);
    expect(feed(off, 100, 500)).toEqual([]);
    expect(off.fired).toBe(false);
  });
  it('follows the camera: at 15 FPS, 100 ms per call is within two intervals', () => {
    expect(feed(new ModelStepController(true), 100, 100, 1000 / 15)).toEqual([]);
    expect(feed(new ModelStepController(true), 100, 140, 1000 / 15)).toHaveLength(1);
  });
});

describe('STEP_DOWN_VARIANT (never a step down in privacy)', () => {
  it('steps heavy to full only: full → lite would leak more (4.04 % vs 2.31 % on the portraits)', () => {
    expect(STEP_DOWN_VARIANT).toEqual({ heavy: 'full' });
    expect(STEP_DOWN_VARIANT.full).toBeUndefined();
    expect(STEP_DOWN_VARIANT.lite).toBeUndefined();
  });
});
