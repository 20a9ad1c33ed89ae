// StatsWindow: rates over the window from explicit timestamps, means, counters, reset.
import { describe, expect, it } from 'vitest';
import { percentile, StatsWindow } from '../../src/stats.js';

describe('StatsWindow', () => {
  it('computes fps and input fps over the window from the given timestamps', () => {
    const s = new StatsWindow(1000);
    for (let i = 0; i < 30; i++) s.frameIn();
    for (let i = 0; i < 24; i++) s.frameOut(10, 2, 20);
    const snap = s.snapshot(3000); // 2 s window
    expect(snap.seconds).toBe(2);
    expect(snap.fps).toBe(12);
    expect(snap.inputFps).toBe(15);
  });

  it('means segmentation only over frames that were segmented', () => {
    const s = new StatsWindow(0);
    s.frameOut(10, 1, 30);
    s.frameOut(undefined, 3, 40); // reused mask: no segmentation time
    s.frameOut(20, 5, 50);
    const snap = s.snapshot(1000);
    expect(snap.segmentationMs).toBe(15);
    expect(snap.compositeMs).toBe(3);
    expect(snap.latencyMs).toBe(40);
  });

  it('rounds to two decimals', () => {
    const s = new StatsWindow(0);
    s.frameOut(1, 1, 1);
    s.frameOut(1, 1, 1);
    s.frameOut(2, 2, 2);
    const snap = s.snapshot(3000);
    expect(snap.segmentationMs).toBe(1.33);
    expect(snap.fps).toBe(1);
  });

  it('reports zeros (not NaN) for an empty window', () => {
    const s = new StatsWindow(500);
    const snap = s.snapshot(500); // zero-length window is clamped, not a division by zero
    expect(snap).toEqual({
      fps: 0, inputFps: 0, segmentationMs: 0, compositeMs: 0, latencyMs: 0, latencyP50Ms: 0, latencyP95Ms: 0, droppedFrames: 0, veiledFrames: 0, framesOut: 0,
      seconds: 0.001,
    });
  });

  it('resets per-window figures after a snapshot but keeps running totals', () => {
    const s = new StatsWindow(0);
    for (let i = 0; i < 10; i++) {
      s.frameIn();
      s.frameOut(8, 2, 12);
    }
    s.dropped += 3;
    s.veiled += 2;
    const first = s.snapshot(1000);
    expect(first).toMatchObject({ fps: 10, inputFps: 10, segmentationMs: 8, framesOut: 10, droppedFrames: 3, veiledFrames: 2 });

    for (let i = 0; i < 5; i++) {
      s.frameIn();
      s.frameOut(undefined, 4, 6);
    }
    s.dropped += 1;
    const second = s.snapshot(1500);
    expect(second.seconds).toBe(0.5); // the new window opened at 1000
    expect(second.fps).toBe(10); // 5 frames in 0.5 s
    expect(second.inputFps).toBe(10);
    expect(second.segmentationMs).toBe(0); // no segmented frame in this window
    expect(second.compositeMs).toBe(4);
    expect(second.latencyMs).toBe(6);
    expect(second.framesOut).toBe(15); // total since start
    expect(second.droppedFrames).toBe(4);
    expect(second.veiledFrames).toBe(2);

    const third = s.snapshot(2500);
    expect(third).toMatchObject({ fps: 0, inputFps: 0, compositeMs: 0, latencyMs: 0, framesOut: 15 });
  });
});

describe('percentile (nearest rank)', () => {
  it('picks the smallest value with at least q of the values at or below it', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1); // 1..20
    expect(percentile(xs, 0.5)).toBe(10);
    expect(percentile(xs, 0.95)).toBe(19);
    expect(percentile(xs, 1)).toBe(20);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([1, 2, 3], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
  });

  it('is 0 for no values', () => {
    expect(percentile([], 0.5)).toBe(0);
  });
});

describe('StatsWindow latency percentiles', () => {
  it('gives p50/p95 of the window\'s per-frame latencies, unaffected by arrival order, then starts afresh', () => {
    const s = new StatsWindow(0);
    // 100 frames: 1..100 ms in a shuffled order; one outlier does not move the median.
    const lat = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    for (const l of lat) s.frameOut(1, 1, l);
    const a = s.snapshot(1000);
    expect(a.latencyP50Ms).toBe(50);
    expect(a.latencyP95Ms).toBe(95);
    expect(a.latencyMs).toBe(50.5);

    s.frameOut(1, 1, 400);
    s.frameOut(1, 1, 20);
    s.frameOut(1, 1, 30);
    const b = s.snapshot(2000);
    expect(b.latencyP50Ms).toBe(30); // only this window's three frames
    expect(b.latencyP95Ms).toBe(400);
    expect(b.latencyMs).toBe(150);
  });
});
