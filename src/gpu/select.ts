/**
 * When the GPU-resident path (src/gpu/index.ts) is used. Kept apart so that choosing a path does
 * not load the path's code.
 */

/**
 * Backend `'webgl'` + compositor `'webgl'` with the selfie model and `people: 'all'` run
 * GPU-resident; every other combination uses the CPU-planes path.
 */
export function isGpuResident(backend: string, compositor: string, model: string, people: string): boolean {
  return backend === 'webgl' && compositor === 'webgl' && model === 'selfie' && people === 'all';
}
