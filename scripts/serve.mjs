// Tiny dependency-free static server for demos and page tests (127.0.0.1 only).
import { createReadStream, promises as fsp } from 'node:fs';
import { createServer } from 'node:http';
import { extname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.y4m': 'video/x-yuv4mpeg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Resolve `rel` (URL path, already decoded) inside `base`, or null if it escapes. */
function inside(base, rel) {
  const target = resolve(base, '.' + normalize('/' + rel));
  const r = relative(base, target);
  if (r === '' || (!r.startsWith('..') && !isAbsolute(r))) return target;
  return null;
}

/**
 * @param {{root: string, port?: number, mounts?: Record<string,string>, headers?: Record<string,string>}} options
 *   mounts: URL prefix (e.g. '/media/') -> directory (relative paths resolve against root).
 * @returns {Promise<{url: string, port: number, close(): Promise<void>}>}
 */
export function serveStatic({ root, port = 0, mounts = {}, headers = {} }) {
  const rootDir = resolve(root);
  const mountList = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : prefix + '/', resolve(rootDir, dir)])
    .sort((a, b) => b[0].length - a[0].length); // longest prefix first

  const server = createServer(async (req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
      let path;
      try {
        path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      } catch {
        return send(400, 'bad request');
      }
      if (path.includes('\0')) return send(400, 'bad request');
      let base = rootDir;
      let rel = path;
      for (const [prefix, dir] of mountList) {
        if (path.startsWith(prefix)) {
          base = dir;
          rel = path.slice(prefix.length);
          break;
        }
      }
      let file = inside(base, rel);
      if (!file) return send(404, 'not found');
      let st = await fsp.stat(file).catch(() => null);
      if (st?.isDirectory()) {
        file = join(file, 'index.html');
        st = await fsp.stat(file).catch(() => null);
      }
      if (!st?.isFile()) return send(404, 'not found');
      // Refuse symlinks that point outside the served directory.
      const real = await fsp.realpath(file);
      const realBase = await fsp.realpath(base);
      if (real !== realBase && !real.startsWith(realBase + sep)) return send(404, 'not found');
      res.writeHead(200, {
        'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': st.size,
        'cache-control': 'no-store',
        ...headers,
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch (err) {
      if (!res.headersSent) send(500, String(err));
      else res.destroy();
    }
  });

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      const actualPort = typeof addr === 'object' && addr ? addr.port : port;
      resolvePromise({
        url: `http://127.0.0.1:${actualPort}/`,
        port: actualPort,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}
