// Node unit tests for the library's pure logic (options, lifecycle, stats, model verification,
// capability resolution, CPU compositor stages, pixel conversion). Browser features are tested
// in test/browser with @web/test-runner; these tests never stand in for them.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    // Some stage tests run full 720p frames; on a busy 2-core machine the 5 s default is too tight.
    testTimeout: 30000,
  },
});
