// Tiny assertion helper for browser tests (no dependency).
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function equal<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(message ?? `expected ${String(expected)}, got ${String(actual)}`);
  }
}

export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new AssertionError(message ?? `expected ${e}, got ${a}`);
}

export function atLeast(actual: number, min: number, message?: string): void {
  if (!(actual >= min)) throw new AssertionError(message ?? `expected >= ${min}, got ${actual}`);
}

export function atMost(actual: number, max: number, message?: string): void {
  if (!(actual <= max)) throw new AssertionError(`${message ? `${message}: ` : ''}expected <= ${max}, got ${actual}`);
}

export async function rejects(fn: () => Promise<unknown>, message = 'expected a rejection'): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new AssertionError(message);
}
