#!/usr/bin/env node
// Checks that every relative link in README.md, docs/*.md and examples/**/README.md points to a
// file that exists (part of `npm run docs:check`). External links are not fetched.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const files = ['README.md'];
for (const dir of ['docs', 'examples']) {
  const walk = (d) => {
    for (const e of readdirSync(join(root, d), { withFileTypes: true })) {
      const rel = join(d, e.name);
      if (e.isDirectory() && e.name !== 'api') walk(rel);
      else if (e.isFile() && e.name.endsWith('.md')) files.push(rel);
    }
  };
  walk(dir);
}
let broken = 0;
let checked = 0;
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
    checked++;
    const path = resolve(dirname(join(root, file)), decodeURIComponent(target.split('#')[0]));
    if (!existsSync(path)) {
      broken++;
      console.error(`${file}: broken link ${target} (${relative(root, path)})`);
    }
  }
}
console.log(`docs-links: ${checked} relative links in ${files.length} files, ${broken} broken`);
process.exit(broken ? 1 : 0);
