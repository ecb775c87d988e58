import { promises as fs } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { fingerprintTree } from '../engine/sources/tree-fingerprint.ts';
const root = '/tmp/rfe-bench-tree';
const N = 100_000;
try { await fs.access(path.join(root, 'done')); } catch {
  await fs.rm(root, { recursive: true, force: true });
  for (let d = 0; d < 1000; d++) {
    const dir = path.join(root, `d${d % 50}`, `s${d}`);
    await fs.mkdir(dir, { recursive: true });
    await Promise.all(Array.from({ length: N / 1000 }, (_, i) => fs.writeFile(path.join(dir, `f${i}.c`), `int x${d}_${i};\n`)));
  }
  await new Promise((r) => setTimeout(r, 200));
  await fs.writeFile(path.join(root, 'done'), '');
}
async function readdirWalk(dir: string): Promise<number> {
  let n = 0;
  const visit = async (d: string): Promise<void> => {
    const names = await fs.readdir(d);
    await Promise.all(names.map(async (name) => {
      const st = await fs.lstat(path.join(d, name), { bigint: true });
      n++;
      if (st.isDirectory()) await visit(path.join(d, name));
    }));
  };
  await visit(dir);
  return n;
}
async function fgWalk(dir: string): Promise<number> {
  const entries = await fg('**', { cwd: dir, dot: true, onlyFiles: false, stats: true, followSymbolicLinks: false, ignore: ['**/.git/**'] });
  return entries.length;
}
async function fgPlusLstat(dir: string): Promise<number> {
  const entries = await fg('**', { cwd: dir, dot: true, onlyFiles: false, followSymbolicLinks: false });
  await Promise.all(entries.map((e) => fs.lstat(path.join(dir, e), { bigint: true })));
  return entries.length;
}
for (const [name, fn] of [['readdir+lstat(bigint)', readdirWalk], ['fast-glob stats:true', fgWalk], ['fast-glob + lstat(bigint)', fgPlusLstat], ['readdir+lstat(bigint)', readdirWalk]] as const) {
  const t = performance.now();
  const n = await fn(root);
  console.log(`${name}: ${n} entries in ${Math.round(performance.now() - t)} ms`);
}
const cache = '/tmp/rfe-bench-cache.json';
await fs.rm(cache, { force: true });
for (const label of ['cold (no cache)', 'warm (unchanged)', 'warm again']) {
  const t = performance.now();
  const r = await fingerprintTree(root, cache);
  console.log(`fingerprintTree ${label}: ${Object.keys(r.files).length} entries, readCount ${r.readCount}, ${Math.round(performance.now() - t)} ms, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
}
console.log('cache size', (await fs.stat(cache)).size);
