// StatsWindow: rates over the window from explicit timestamps, means, counters, reset.
import { describe, expect, it } from 'vitest';
import { StatsWindow } from '../../src/stats.js';

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
      fps: 0, inputFps: 0, segmentationMs: 0, compositeMs: 0, latencyMs: 0, droppedFrames: 0, veiledFrames: 0, framesOut: 0,
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
