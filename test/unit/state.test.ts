// Lifecycle: the transition table is enforced, `stopped` is final, onChange sees every step.
import { describe, expect, it } from 'vitest';
import { Lifecycle, TRANSITIONS, type PrivacyTrackState } from '../../src/state.js';

const STATES: readonly PrivacyTrackState[] = ['starting', 'running', 'stopping', 'stopped'];

/** A lifecycle driven to `state` along allowed transitions. */
function at(state: PrivacyTrackState, onChange?: (s: PrivacyTrackState) => void): Lifecycle {
  const path: Record<PrivacyTrackState, PrivacyTrackState[]> = {
    starting: [],
    running: ['running'],
    stopping: ['running', 'stopping'],
    stopped: ['running', 'stopping', 'stopped'],
  };
  const l = new Lifecycle(onChange);
  for (const s of path[state]) l.to(s);
  expect(l.state).toBe(state);
  return l;
}

describe('Lifecycle', () => {
  it('starts in starting', () => {
    const l = new Lifecycle();
    expect(l.state).toBe('starting');
    expect(l.stoppingOrStopped).toBe(false);
  });

  it('runs the normal path and reports each state in order', () => {
    const seen: PrivacyTrackState[] = [];
    const l = new Lifecycle((s) => seen.push(s));
    l.to('running');
    expect(l.stoppingOrStopped).toBe(false);
    l.to('stopping');
    expect(l.stoppingOrStopped).toBe(true);
    l.to('stopped');
    expect(l.stoppingOrStopped).toBe(true);
    expect(seen).toEqual(['running', 'stopping', 'stopped']);
  });

  it('may stop during start-up (starting → stopping → stopped)', () => {
    const seen: PrivacyTrackState[] = [];
    const l = new Lifecycle((s) => seen.push(s));
    l.to('stopping');
    l.to('stopped');
    expect(seen).toEqual(['stopping', 'stopped']);
  });

  it('state is already updated when onChange runs', () => {
    const observed: Array<[PrivacyTrackState, PrivacyTrackState]> = [];
    const l: Lifecycle = new Lifecycle((s) => observed.push([s, l.state]));
    l.to('running');
    l.to('stopping');
    expect(observed).toEqual([['running', 'running'], ['stopping', 'stopping']]);
  });

  const allowed = new Set(['starting→running', 'starting→stopping', 'running→stopping', 'stopping→stopped']);
  const pairs = STATES.flatMap((from) => STATES.map((to) => [from, to] as const));

  it('the exported table is exactly the documented one', () => {
    const table = new Set(Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}→${to}`)));
    expect(table).toEqual(allowed);
    expect(TRANSITIONS.stopped).toEqual([]);
    expect(Object.isFrozen(TRANSITIONS)).toBe(true);
  });

  it.each(pairs.filter(([f, t]) => !allowed.has(`${f}→${t}`)))('forbids %s → %s, leaving state and listeners untouched', (from, to) => {
    const seen: PrivacyTrackState[] = [];
    const l = at(from, (s) => seen.push(s));
    const before = seen.length;
    expect(() => l.to(to)).toThrow(new RegExp(`illegal state transition ${from} → ${to}`));
    expect(l.state).toBe(from);
    expect(seen.length).toBe(before);
  });

  it.each(pairs.filter(([f, t]) => allowed.has(`${f}→${t}`)))('allows %s → %s', (from, to) => {
    const l = at(from);
    l.to(to);
    expect(l.state).toBe(to);
  });

  it('stopped is final: every transition out of it throws', () => {
    const l = at('stopped');
    for (const s of STATES) expect(() => l.to(s)).toThrow();
    expect(l.state).toBe('stopped');
  });
});
