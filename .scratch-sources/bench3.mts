import { promises as fs } from 'node:fs';
import { fingerprintTree } from '../engine/sources/tree-fingerprint.ts';
const root = '/tmp/rfe-bench-tree';
const cache = '/tmp/rfe-bench-cache.json';
await fs.rm(cache, { force: true });
for (const label of ['cold (no cache)', 'warm (unchanged)', 'warm again']) {
  const t = performance.now();
  const r = await fingerprintTree(root, cache);
  console.log(`fingerprintTree ${label}: ${Object.keys(r.files).length} entries, readCount ${r.readCount}, ${Math.round(performance.now() - t)} ms, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
}
