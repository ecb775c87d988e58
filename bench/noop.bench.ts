/**
 * Benchmark: the no-op run of real goals in an existing build root (default: the
 * e2e tests' one, where `npm test` built the stage chain), from process start to
 * exit, as a user types it. Prints figures, not pass/fail.
 *
 *   npx tsx bench/noop.bench.ts [--build-dir DIR] [--runs 5] [-- run stage3 --toolchain host --packages ...]
 *
 * Each run is `node bin/rootfs-engine.js --build-dir DIR <args>` under
 * /usr/bin/time (wall, user+system CPU, peak RSS); the first run is reported
 * apart (cold page cache for tsx's transpile cache and the state files). A run that
 * builds anything is an error: this measures a no-op.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAGE3_CI_PACKAGES } from '../test/helpers/e2e.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const own = split >= 0 ? argv.slice(0, split) : argv;
const goalArgs = split >= 0 ? argv.slice(split + 1) : ['run', 'stage3', '--toolchain', 'host', '--packages', STAGE3_CI_PACKAGES];
const option = (name: string, fallback: string): string => {
  const i = own.indexOf(name);
  return i >= 0 && own[i + 1] ? own[i + 1]! : fallback;
};
const cache = process.env['ROOTFS_ENGINE_TEST_CACHE'] ?? path.join(os.tmpdir(), 'rootfs-engine-test-cache');
const buildDir = option('--build-dir', path.join(cache, 'e2e-build'));
const runs = Number(option('--runs', '5'));

interface Sample {
  wall: number;
  cpu: number;
  rssMiB: number;
  summary: string;
}

function once(): Sample {
  const run = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, path.join(REPO, 'bin/rootfs-engine.js'), '--build-dir', buildDir, ...goalArgs, '--progress', 'plain'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: path.join(cache, 'xdg-cache') },
  });
  const summary = /\d+ built, \d+ up to date[^\n]*/.exec(run.stdout)?.[0] ?? '';
  if (run.status !== 0 || !/^0 built/.test(summary)) throw new Error(`not a no-op run (status ${run.status}):\n${run.stdout}\n${run.stderr}`);
  const [wall, user, sys, rss] = run.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall: wall!, cpu: user! + sys!, rssMiB: rss! / 1024, summary };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`rootfs-engine ${goalArgs.join(' ')} in ${buildDir}; load average ${os.loadavg()[0]!.toFixed(2)}`);
const first = once();
const rest = Array.from({ length: runs }, () => once());
console.log(`summary: ${first.summary}`);
console.log('| runs | wall (s) | CPU (s) | peak RSS (MiB) |');
console.log('|---|---:|---:|---:|');
console.log(`| first | ${first.wall.toFixed(2)} | ${first.cpu.toFixed(2)} | ${first.rssMiB.toFixed(0)} |`);
console.log(`| median of next ${runs} | ${median(rest.map((s) => s.wall)).toFixed(2)} | ${median(rest.map((s) => s.cpu)).toFixed(2)} | ${median(rest.map((s) => s.rssMiB)).toFixed(0)} |`);
console.log(`| best of next ${runs} | ${Math.min(...rest.map((s) => s.wall)).toFixed(2)} | ${Math.min(...rest.map((s) => s.cpu)).toFixed(2)} | |`);
console.log(`load average after: ${os.loadavg()[0]!.toFixed(2)}`);
