/**
 * Benchmark: fingerprinting a local source tree (`source: { path }`) of N files
 * (default 100,000), as the engine does for every key of a node with such a
 * source: a first scan (every file read and hashed; the stat cache written), a
 * second scan of the unchanged tree (stat only, from the cache), and a scan after
 * touching one file. Each scan runs in a fresh node process, as a new
 * `rootfs-engine run` would. Prints figures, not pass/fail.
 *
 *   npx tsx bench/fingerprint.bench.ts [--files 100000] [--keep] [--work DIR]
 *
 * --work reuses the tree a --keep run left in DIR (generating it takes minutes).
 *
 * The tree: directories of 100 files each, two levels deep, files of 1-8 KiB of
 * seeded pseudo-random text (like a source tree; about 450 MiB for 100,000).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const files = Number(argValue('--files', '100000'));
const keep = process.argv.includes('--keep');
const reuse = process.argv.includes('--work');
const work = reuse ? path.resolve(argValue('--work', '')) : mkdtempSync(path.join(os.tmpdir(), 'rootfs-engine-fp-bench-'));
const tree = path.join(work, 'tree');
const cacheFile = path.join(work, 'stat-cache.json');
rmSync(cacheFile, { force: true });

let seed = 1;
const random = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const generateStarted = process.hrtime.bigint();
if (!reuse) generateTree();
function generateTree(): void {
const line = 'static int value_%d = %d; /* generated source line for the fingerprint bench */\n';
for (let i = 0; i < files; i++) {
  const dir = path.join(tree, `d${Math.floor(i / 10_000)}`, `e${Math.floor(i / 100) % 100}`);
  if (i % 100 === 0) mkdirSync(dir, { recursive: true });
  const lines = 12 + Math.floor(random() * 90);
  let text = '';
  for (let l = 0; l < lines; l++) text += line.replace('%d', String(l)).replace('%d', String(i));
  writeFileSync(path.join(dir, `f${i}.c`), text);
}
// Old mtimes: files written just now would not be trusted by the cache ("racily clean").
const old = new Date(Date.now() - 3600_000);
const touchAll = spawnSync('find', [tree, '-exec', 'touch', '-h', '-d', old.toISOString(), '{}', '+']);
if (touchAll.status !== 0) throw new Error('touch failed');
}
const generateSeconds = Number(process.hrtime.bigint() - generateStarted) / 1e9;
const du = spawnSync('du', ['-sm', tree], { encoding: 'utf8' }).stdout.split('\t')[0];

const SCAN = `
import { fingerprintTree } from ${JSON.stringify(path.join(REPO, 'engine/sources/tree-fingerprint.ts'))};
const t0 = process.hrtime.bigint();
const fp = await fingerprintTree(process.argv[2], process.argv[3]);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(JSON.stringify({ ms, read: fp.readCount, entries: Object.keys(fp.files).length, hash: fp.hash }));
`;
const scanFile = path.join(work, 'scan.mts');
writeFileSync(scanFile, SCAN);

interface Scan {
  ms: number;
  read: number;
  entries: number;
  hash: string;
  wall: number;
  cpu: number;
  rssMiB: number;
}

function scan(): Scan {
  const run = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, '--import', 'tsx', scanFile, tree, cacheFile], { cwd: REPO, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`scan failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Omit<Scan, 'wall' | 'cpu' | 'rssMiB'>;
  const [wall, user, sys, rss] = run.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { ...result, wall: wall!, cpu: user! + sys!, rssMiB: rss! / 1024 };
}

const load = (): string => os.loadavg()[0]!.toFixed(2);
console.log(`tree: ${reuse ? 'reused, ' : ''}${files} files, ${du} MiB, generated in ${generateSeconds.toFixed(1)} s; load average ${load()}`);
const first = scan();
const second = scan();
writeFileSync(path.join(tree, 'd0', 'e0', 'f0.c'), `changed at ${Date.now()}\n`);
const third = scan();
console.log('| scan | files read | entries | in-process (s) | process wall (s) | process CPU (s) | peak RSS (MiB) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, s] of [['first (cold cache)', first], ['second (unchanged)', second], ['after changing one file', third]] as const) {
  console.log(`| ${name} | ${s.read} | ${s.entries} | ${(s.ms / 1000).toFixed(2)} | ${s.wall.toFixed(2)} | ${s.cpu.toFixed(2)} | ${s.rssMiB.toFixed(0)} |`);
}
if (first.hash !== second.hash) throw new Error('the unchanged tree got another fingerprint');
if (third.hash === second.hash) throw new Error('a changed file did not change the fingerprint');
console.log(`load average after: ${load()}`);
if (keep) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
