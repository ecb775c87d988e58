/**
 * Benchmark: watch mode latency. Prints figures, not pass/fail.
 *
 *   npx tsx bench/watch.bench.ts [--edits 10]
 *
 * 1. Reload: this repository's rootfs.config.ts (every recipe of packages/) loaded
 *    in a fresh module namespace and resolved for `rootfs --toolchain host`, as
 *    watch does after an edit of a module; time per reload and heap growth per
 *    reload (modules cannot be unloaded).
 * 2. Save to rebuild: `watch all` running on fixtures/basic; a source file of
 *    libgreet is saved, and the time is measured from just before the write to the
 *    `build libgreet@host` line on watch's stdout (includes the 250 ms debounce, the
 *    config reload and keying), and to the `watching` line after the rebuild.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { initHashing } from '../engine/hash.ts';
import { resolveGraph } from '../engine/graph/resolve.ts';
import { loadFreshConfig } from '../engine/watch/fresh-config.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(REPO, 'bin', 'rootfs-engine.js');
const editsArg = process.argv.indexOf('--edits');
const EDITS = editsArg > 0 ? Number(process.argv[editsArg + 1]) : 10;

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms (n=${values.length})`;
}

async function reloads(): Promise<void> {
  await initHashing();
  const times: number[] = [];
  const config = path.join(REPO, 'rootfs.config.ts');
  const heapBefore = process.memoryUsage().heapUsed;
  let nodes = 0;
  for (let i = 0; i < EDITS; i += 1) {
    const started = performance.now();
    const loaded = await loadFreshConfig(config, (c) => resolveGraph({ config: c, goals: ['rootfs'], options: { toolchain: 'host' } }));
    if (!loaded.value) throw loaded.error;
    nodes = loaded.value.nodes.size;
    times.push(performance.now() - started);
  }
  global.gc?.();
  const growth = (process.memoryUsage().heapUsed - heapBefore) / EDITS / 1024;
  console.log(`reload of rootfs.config.ts + resolve (${nodes} nodes): ${stats(times)}; heap growth about ${growth.toFixed(0)} KiB per reload`);
}

async function saveToRebuild(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-watch-bench-'));
  await fs.cp(path.join(REPO, 'fixtures', 'basic'), dir, { recursive: true });
  await fs.mkdir(path.join(dir, 'node_modules'));
  await fs.symlink(REPO, path.join(dir, 'node_modules', 'rootfs-engine'));
  await fs.writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
  const child = execa(process.execPath, [CLI, 'watch', 'all'], { cwd: dir, reject: false, stdin: 'ignore' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const waitFor = async (pattern: RegExp, from: number): Promise<number> => {
    for (;;) {
      const match = pattern.exec(output.slice(from));
      if (match) return from + match.index + match[0].length;
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  try {
    let at = await waitFor(/\[watch\] watching[^\n]*\n/, 0);
    const toStart: number[] = [];
    const toIdle: number[] = [];
    for (let i = 0; i < EDITS; i += 1) {
      const file = path.join(dir, 'libgreet', 'greet.c');
      const text = await fs.readFile(file, 'utf8');
      const started = performance.now();
      await fs.writeFile(file, text.replace(/Hello[^,]*,/, `Hello${i},`));
      at = await waitFor(/build libgreet@host[^\n]*\n/, at);
      toStart.push(performance.now() - started);
      at = await waitFor(/\[watch\] watching[^\n]*\n/, at);
      toIdle.push(performance.now() - started);
    }
    console.log(`save -> rebuild starts (250 ms debounce included): ${stats(toStart)}`);
    console.log(`save -> rebuild of libgreet + hello done: ${stats(toIdle)}`);
  } finally {
    child.kill('SIGINT');
    await child;
    await fs.rm(dir, { recursive: true, force: true });
  }
}

console.log(`rootfs-engine watch benchmark, ${os.cpus().length} cores, node ${process.version}`);
await reloads();
await saveToRebuild();
