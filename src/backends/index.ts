/**
 * tfjs backend start-up. Each backend package is imported only when chosen, so an app that uses
 * wasm never downloads the WebGL or WebGPU kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Capabilities } from '../capabilities.js';
import { UnsupportedEnvironmentError } from '../errors.js';
import type { BackendName, BackendRequest } from '../options.js';

/** Pick a concrete backend for a request, or throw when the browser cannot run it. */
export function resolveBackend(request: BackendRequest, caps: Capabilities): BackendName {
  if (request === 'auto') {
    if (!caps.autoBackend) throw new UnsupportedEnvironmentError(['WebAssembly', 'WebGL2'], 'Neither WebAssembly nor WebGL2 is available.');
    return caps.autoBackend;
  }
  if (request === 'wasm' && !caps.wasm) {
    throw new UnsupportedEnvironmentError(['WebAssembly'],
      'backend \'wasm\' needs WebAssembly, and a Content-Security-Policy that allows compiling it (script-src \'wasm-unsafe-eval\').');
  }
  if (request === 'webgl' && !caps.webgl2) throw new UnsupportedEnvironmentError(['WebGL2'], 'backend \'webgl\' needs WebGL2.');
  if (request === 'webgpu' && !caps.webgpu) throw new UnsupportedEnvironmentError(['WebGPU'], 'backend \'webgpu\' needs navigator.gpu.');
  return request;
}

/**
 * Import, register and activate a tfjs backend. tfjs keeps one active backend per page: all
 * privacy tracks on a page share it.
 * @throws UnsupportedEnvironmentError when the backend fails to initialise
 */
export async function initBackend(name: BackendName, wasmBaseUrl: URL): Promise<void> {
  if (tf.getBackend() === name) return;
  switch (name) {
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(wasmBaseUrl.href);
      break;
    }
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      break;
    case 'webgpu':
      await import('@tensorflow/tfjs-backend-webgpu');
      break;
  }
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (cause) {
    throw new UnsupportedEnvironmentError([name], `tfjs backend '${name}' failed to start: ${String(cause)}`, { cause });
  }
  if (!ok || tf.getBackend() !== name) {
    throw new UnsupportedEnvironmentError([name], `tfjs backend '${name}' failed to start` +
      (name === 'wasm' ? ` (are the .wasm files served at ${wasmBaseUrl.href}?)` : '.'));
  }
}
