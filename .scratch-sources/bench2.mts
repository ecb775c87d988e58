import { promises as fs, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
const root = '/tmp/rfe-bench-tree';
function syncWalk(dir: string): number {
  let n = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = lstatSync(p, { bigint: true });
      n++;
      if (st.isDirectory()) stack.push(p);
    }
  }
  return n;
}
async function pooledWalk(dir: string, limit: number): Promise<number> {
  let n = 0;
  const dirs = [dir];
  const paths: string[] = [];
  // phase 1: readdir with types (no lstat needed to find dirs)
  while (dirs.length) {
    const batch = dirs.splice(0, dirs.length);
    await Promise.all(batch.map(async (d) => {
      for (const e of await fs.readdir(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        paths.push(p);
        if (e.isDirectory()) dirs.push(p);
      }
    }));
  }
  let i = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (i < paths.length) { const p = paths[i++]!; await fs.lstat(p, { bigint: true }); n++; }
  }));
  return n;
}
for (const [name, fn] of [['sync', () => syncWalk(root)], ['pooled 16', () => pooledWalk(root, 16)], ['pooled 64', () => pooledWalk(root, 64)], ['sync', () => syncWalk(root)]] as const) {
  const t = performance.now();
  const n = await fn();
  console.log(`${name}: ${n} in ${Math.round(performance.now() - t)} ms`);
}
