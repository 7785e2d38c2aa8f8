// Runs after `vite build`: writes name.gz (zlib, level 9) beside every
// compressible file in dist/ — the Go server sends those to clients that
// accept gzip — then prints what a first visit downloads and fails when
// its JavaScript passes the budget.
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const budget = 300 * 1024; // compressed JavaScript of the first load
const compressible = /\.(js|css|svg|html|json|txt|map)$/;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

// The build manifest says which chunks the entry imports statically: those
// load on the first visit; dynamic imports (the lazy pages) load later.
const manifestPath = join(dist, '.vite', 'manifest.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
rmSync(join(dist, '.vite'), { recursive: true, force: true }); // not served

const gz = new Map();
for (const file of walk(dist)) {
  if (!compressible.test(file)) continue;
  const data = readFileSync(file);
  const packed = gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(file + '.gz', packed);
  gz.set(relative(dist, file), { raw: data.length, gz: packed.length });
}

const first = new Set();
const css = new Set();
(function visit(key) {
  const chunk = manifest[key];
  if (!chunk || first.has(chunk.file)) return;
  first.add(chunk.file);
  for (const c of chunk.css ?? []) css.add(c);
  for (const k of chunk.imports ?? []) visit(k);
})('index.html');

const kib = (n) => (n / 1024).toFixed(1).padStart(7) + ' KiB';
const sum = (files) => [...files].reduce((t, f) => t + (gz.get(f)?.gz ?? 0), 0);
const sumRaw = (files) => [...files].reduce((t, f) => t + (gz.get(f)?.raw ?? 0), 0);
const allJS = [...gz.keys()].filter((f) => f.endsWith('.js'));

console.log('\nFirst load (index.html and its static imports):');
for (const f of [...first, ...css]) console.log(`  ${f.padEnd(40)} ${kib(gz.get(f)?.raw ?? 0)} → ${kib(gz.get(f)?.gz ?? 0)} gzip`);
const firstJS = sum(first);
console.log(`  JavaScript: ${kib(sumRaw(first))} → ${kib(firstJS)} gzip (budget ${kib(budget)})`);
console.log(`  CSS:        ${kib(sumRaw(css))} → ${kib(sum(css))} gzip`);
console.log(`All JavaScript (lazy pages included): ${kib(sum(allJS))} gzip in ${allJS.length} files\n`);

if (firstJS > budget) {
  console.error(`The first load's JavaScript is ${kib(firstJS)} compressed, over the ${kib(budget)} budget.`);
  process.exit(1);
}
