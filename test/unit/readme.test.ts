// The README's quick start must be exactly the code the packed-package test runs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

describe('README', () => {
  it('quick-start block is examples/quick-start/main.js verbatim', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = readFileSync(new URL('examples/quick-start/main.js', root), 'utf8');
    const m = /<!-- quick-start[^>]*-->\s*```js\n([\s\S]*?)```\s*<!-- \/quick-start -->/.exec(readme);
    expect(m, 'README has a marked quick-start block').not.toBeNull();
    expect(m![1]).toBe(example);
  });

  it('names the one test command that .ci/run runs', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const ci = readFileSync(new URL('.ci/run', root), 'utf8');
    expect(readme).toContain('npm ci && npm test');
    expect(ci).toMatch(/^npm ci [^\n]*&& npm test$/m);
  });
});
