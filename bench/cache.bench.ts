/**
 * Benchmark: restoring from the artifact cache versus building. Prints figures,
 * not pass/fail.
 *
 *   npx tsx bench/cache.bench.ts [--config FILE] [--distfiles DIR] [--keep] [goal...] [-- global/run options...]
 *
 * Default: fixtures/basic (copied to a temp dir) and its goal `all`. With --config,
 * the goals and the options after `--` (e.g. `-- --toolchain host --target
 * x86_64-linux-musl`) are passed to every `run`. Everything happens in a fresh temp build
 * root with a fresh cache directory:
 *
 *   1. build      `run` from nothing, with the cache on (build + store)
 *   2. restore    `clean`, then `run` again: every node restored from the local cache
 *   3. no-op      `run` again: every node up to date
 *
 * Per node, the build time is the record's duration from step 1 and the restore
 * time is the `node-restored` duration printed by step 2.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(REPO, 'bin', 'rootfs-engine.js');

function parseArgs(argv: string[]): { config?: string; distfiles?: string; keep: boolean; goals: string[]; runOptions: string[] } {
  const out = { config: undefined as string | undefined, distfiles: undefined as string | undefined, keep: false, goals: [] as string[], runOptions: [] as string[] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--config') out.config = path.resolve(argv[++i]!);
    else if (arg === '--distfiles') out.distfiles = path.resolve(argv[++i]!);
    else if (arg === '--keep') out.keep = true;
    else if (arg === '--') {
      out.runOptions = argv.slice(i + 1);
      break;
    } else out.goals.push(arg);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-cache-bench-'));
  let config = args.config;
  if (!config) {
    await fs.cp(path.join(REPO, 'fixtures', 'basic'), path.join(work, 'project'), { recursive: true });
    await fs.mkdir(path.join(work, 'project', 'node_modules'), { recursive: true });
    await fs.symlink(REPO, path.join(work, 'project', 'node_modules', 'rootfs-engine'));
    await fs.writeFile(path.join(work, 'project', 'package.json'), '{"type":"module"}');
    config = path.join(work, 'project', 'rootfs.config.ts');
  }
  const goals = args.goals.length > 0 ? args.goals : ['all'];
  const global = ['-C', config, '-B', path.join(work, 'build'), '--cache-dir', path.join(work, 'cache'), ...(args.distfiles ? ['--distfiles', args.distfiles] : [])];
  const cli = async (...rest: string[]): Promise<{ seconds: number; stdout: string }> => {
    const started = process.hrtime.bigint();
    const result = await execa(process.execPath, [CLI, ...global, ...rest], { reject: false, env: { NO_COLOR: '1' } });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.exitCode !== 0) throw new Error(`rootfs-engine ${rest.join(' ')} failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
    return { seconds, stdout: String(result.stdout) };
  };

  const build = await cli('run', ...args.runOptions, ...goals);
  const buildDurations = new Map<string, number>();
  for (const place of await fs.readdir(path.join(work, 'build', 'state', 'nodes'))) {
    for (const file of await fs.readdir(path.join(work, 'build', 'state', 'nodes', place))) {
      const record = JSON.parse(await fs.readFile(path.join(work, 'build', 'state', 'nodes', place, file), 'utf8')) as { id: string; durationMs: number };
      buildDurations.set(record.id, record.durationMs);
    }
  }
  const stats = await cli('cache', 'stats');
  await cli('clean');
  const restore = await cli('run', ...args.runOptions, ...goals);
  const noop = await cli('run', ...args.runOptions, ...goals);

  const restored = new Map<string, number>();
  for (const match of restore.stdout.matchAll(/\] restored\s+(\S+) \(from the local cache, ([\d.]+) s\)/g)) restored.set(match[1]!, Number(match[2]) * 1000);
  process.stdout.write(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; goals: ${goals.join(' ')} ${args.runOptions.join(' ')}\n`);
  process.stdout.write(`cache: ${stats.stdout.trim().replace(/^.*?: /, '')}\n\n`);
  process.stdout.write(`${'node'.padEnd(40)} ${'build s'.padStart(9)} ${'restore s'.padStart(10)}\n`);
  for (const [id, ms] of [...buildDurations].sort((a, b) => b[1] - a[1])) {
    const back = restored.get(id);
    process.stdout.write(`${id.padEnd(40)} ${(ms / 1000).toFixed(2).padStart(9)} ${back === undefined ? '(built)'.padStart(10) : (back / 1000).toFixed(2).padStart(10)}\n`);
  }
  process.stdout.write(`\nwhole command (wall, including engine start-up):\n`);
  process.stdout.write(`  build + store   ${build.seconds.toFixed(2)} s\n  clean + restore ${restore.seconds.toFixed(2)} s\n  no-op           ${noop.seconds.toFixed(2)} s\n`);
  if (args.keep) process.stdout.write(`kept ${work}\n`);
  else await fs.rm(work, { recursive: true, force: true });
}

await main();
