/**
 * Benchmark: a generated graph of N trivial nodes (default 10,000), built by
 * rootfs-engine, GNU make and ninja from equivalent generated build files, in the
 * same run and in the same temp dir. Prints figures, not pass/fail.
 *
 *   npx tsx bench/graph.bench.ts [--nodes 10000] [--jobs 2] [--seed 1]
 *                                [--only engine,engine-nocmd,make,ninja]
 *                                [--profile] [--profile-full] [--keep]
 *
 * For each tool: a full build from an empty build dir, then a no-op rebuild
 * (process start to exit), both under `/usr/bin/time -f '%e %M %U %S'` (wall seconds,
 * peak RSS in KiB of the largest process of the tree), with the same parallelism.
 *
 * The graph: layers of about sqrt(N) nodes; every node past the first layer
 * depends on 1-3 distinct nodes of earlier layers (half of the picks from the
 * previous layer, the rest anywhere before), from a seeded PRNG, so every run
 * with the same --nodes/--seed builds the same graph.
 *
 * Every node runs one real process, `/bin/sh -c 'echo I > FILE'`:
 *   engine:       install phase `echo I > $DESTDIR/nI` (staged, then merged into out/host/)
 *   make:         `out/nI: <dep files>` with recipe `echo I > $@`
 *   ninja:        `build out/nI: w <dep files>` with `command = echo $n > $out`
 * `engine-nocmd` is the same graph with no phases at all: no process per node, so
 * it measures the engine's own per-node cost (keying, staging, manifest, merge,
 * state record).
 *
 * --profile adds a no-op engine run under `node --cpu-prof` and prints the
 * functions with the most self time; --profile-full does the same for a full
 * build (into a fresh build dir) of each engine variant measured.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENGINE_BIN = path.join(REPO, 'bin', 'rootfs-engine.js');
const TIME = '/usr/bin/time';

// ---------------------------------------------------------------- arguments

interface Args {
  nodes: number;
  jobs: number;
  seed: number;
  only: Set<string>;
  profile: boolean;
  profileFull: boolean;
  keep: boolean;
}

const TOOLS = ['engine', 'engine-nocmd', 'make', 'ninja'] as const;
type Tool = (typeof TOOLS)[number];

function parseArgs(argv: string[]): Args {
  const args: Args = { nodes: 10_000, jobs: 2, seed: 1, only: new Set(TOOLS), profile: false, profileFull: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a.startsWith('--nodes')) args.nodes = Number(value());
    else if (a.startsWith('--jobs')) args.jobs = Number(value());
    else if (a.startsWith('--seed')) args.seed = Number(value());
    else if (a.startsWith('--only')) args.only = new Set(value().split(','));
    else if (a === '--profile') args.profile = true;
    else if (a === '--profile-full') args.profileFull = true;
    else if (a === '--keep') args.keep = true;
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(args.nodes) || args.nodes < 1) throw new Error('--nodes wants a positive integer');
  if (!Number.isInteger(args.jobs) || args.jobs < 1) throw new Error('--jobs wants a positive integer');
  for (const t of args.only) if (!(TOOLS as readonly string[]).includes(t)) throw new Error(`--only: unknown tool ${t} (${TOOLS.join(', ')})`);
  return args;
}

// ---------------------------------------------------------------- the graph

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface GraphShape {
  /** deps[i]: indices of the nodes node i depends on (all < i). */
  deps: number[][];
  layers: number;
  edges: number;
}

function generateGraph(n: number, seed: number): GraphShape {
  const random = prng(seed);
  const width = Math.max(1, Math.round(Math.sqrt(n)));
  const layerOf: number[] = [];
  const layerStart: number[] = [];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    if (layerStart[layer] === undefined) layerStart[layer] = i;
    layerOf.push(layer);
  }
  const deps: number[][] = [];
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const layer = layerOf[i]!;
    if (layer === 0) {
      deps.push([]);
      continue;
    }
    const prevStart = layerStart[layer - 1]!;
    const prevEnd = layerStart[layer]!; // exclusive
    const want = 1 + Math.floor(random() * 3);
    const chosen = new Set<number>();
    for (let tries = 0; chosen.size < want && tries < 20; tries++) {
      const pick = random() < 0.5 || prevStart === 0
        ? prevStart + Math.floor(random() * (prevEnd - prevStart))
        : Math.floor(random() * prevStart);
      chosen.add(pick);
    }
    const list = [...chosen].sort((a, b) => a - b);
    edges += list.length;
    deps.push(list);
  }
  return { deps, layers: layerOf[n - 1]! + 1, edges };
}

// ---------------------------------------------------------------- build files

function engineConfig(graph: GraphShape, withCommands: boolean): string {
  // The graph as data, and one defineRecipe per node: what a generated config
  // (or a package set read from a list) would look like.
  const lines = [
    `// Generated by bench/graph.bench.ts: ${graph.deps.length} nodes, ${graph.edges} edges${withCommands ? '' : ', no commands'}.`,
    `import { defineConfig, defineRecipe, type Recipe } from 'rootfs-engine';`,
    ``,
    `const DEPS: number[][] = ${JSON.stringify(graph.deps)};`,
    ``,
    `const recipes: Recipe[] = DEPS.map((deps, i) =>`,
    `  defineRecipe({`,
    `    name: 'n' + i,`,
    `    version: '1',`,
    `    deps: deps.map((d) => 'n' + d),`,
    withCommands ? `    phases: { install: () => 'echo ' + i + ' > $DESTDIR/n' + i },` : `    phases: {},`,
    `  }),`,
    `);`,
    ``,
    `export default defineConfig({`,
    `  recipes,`,
    `  places: [{ name: 'host' }],`,
    `  goals: { all: { description: 'every node', nodes: () => recipes.map((r) => r.name) } },`,
    `});`,
    ``,
  ];
  return lines.join('\n');
}

function makefile(graph: GraphShape): string {
  const out: string[] = [
    `# Generated by bench/graph.bench.ts: ${graph.deps.length} nodes, ${graph.edges} edges.`,
    `.SUFFIXES:`,
    `.PHONY: all`,
    `all: ${graph.deps.map((_, i) => `out/n${i}`).join(' ')}`,
    ``,
  ];
  graph.deps.forEach((deps, i) => {
    out.push(`out/n${i}:${deps.map((d) => ` out/n${d}`).join('')}`, `\techo ${i} > $@`);
  });
  return out.join('\n') + '\n';
}

function ninjafile(graph: GraphShape): string {
  const out: string[] = [
    `# Generated by bench/graph.bench.ts: ${graph.deps.length} nodes, ${graph.edges} edges.`,
    `rule w`,
    `  command = echo $n > $out`,
    ``,
  ];
  graph.deps.forEach((deps, i) => {
    out.push(`build out/n${i}: w${deps.map((d) => ` out/n${d}`).join('')}`, `  n = ${i}`);
  });
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------- measuring

interface Measure {
  wallS: number;
  rssKiB: number;
  /** user + system CPU seconds of the whole process tree. */
  cpuS: number;
  status: number;
  log: string;
}

function sh(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function timed(argv: readonly string[], cwd: string, logFile: string, env: NodeJS.ProcessEnv = process.env): Measure {
  const timeFile = `${logFile}.time`;
  const fd = openSync(logFile, 'w');
  try {
    const result = spawnSync(TIME, ['-f', '%e %M %U %S', '-o', timeFile, ...argv], { cwd, env, stdio: ['ignore', fd, fd] });
    const [wall, rss, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(/\s+/);
    return { wallS: Number(wall), rssKiB: Number(rss), cpuS: Number(user) + Number(sys), status: result.status ?? -1, log: readFileSync(logFile, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

interface ToolSpec {
  tool: Tool;
  label: string;
  cwd: string;
  argv: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Checks a finished full build; returns a problem or undefined. */
  verifyFull: () => string | undefined;
  /** Checks that the no-op run did no work. */
  verifyNoop: (log: string) => string | undefined;
  /** The engine's own "Done in X s" figure, when it prints one. */
  inner?: (log: string) => number | undefined;
}

function countOutputs(dir: string, n: number, sample: number[]): string | undefined {
  if (!existsSync(dir)) return `${dir} does not exist`;
  const files = readdirSync(dir).filter((f) => /^n\d+$/.test(f));
  if (files.length !== n) return `${dir} has ${files.length} node outputs, expected ${n}`;
  for (const i of sample) {
    const text = readFileSync(path.join(dir, `n${i}`), 'utf8').trim();
    if (text !== String(i)) return `${dir}/n${i} contains "${text}", expected "${i}"`;
  }
  return undefined;
}

const engineDone = (log: string): number | undefined => {
  const m = /Done in ([\d.]+) s: (\d+) built, (\d+) up to date/.exec(log);
  return m ? Number(m[1]) : undefined;
};

// ---------------------------------------------------------------- cpu profile

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

function summariseProfile(file: string, top = 20): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url.replace(`file://${REPO}/`, '').replace(/^file:\/\/.*node_modules\//, 'node_modules/');
    const key = `${functionName || '(anonymous)'}  ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    const group = !url
      ? functionName.startsWith('(') ? functionName : '(native)'
      : url.startsWith('node:')
        ? 'node: internals'
        : /node_modules\/([^/]+(?:\/[^/]+)?)/.exec(url)?.[1]?.replace(/\/(dist|lib|src).*/, '') ?? short.replace(/\/[^/]+$/, '/');
    byFile.set(group, (byFile.get(group) ?? 0) + dt);
  });
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
  const lines = [`total sampled: ${(total / 1e6).toFixed(2)} s`, '', 'self time by function:'];
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('', 'self time by module/package:');
  for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(v)}  ${k}`);
  return lines;
}

// ---------------------------------------------------------------- main

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

function versionOf(argv: string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').split('\n')[0]!.trim();
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  for (const need of [TIME, ...(args.only.has('ninja') ? ['ninja'] : []), ...(args.only.has('make') ? ['make'] : [])]) {
    const found = need.startsWith('/') ? existsSync(need) : spawnSync('sh', ['-c', `command -v ${need}`]).status === 0;
    if (!found) {
      const pkg = need === TIME ? 'time' : need === 'ninja' ? 'ninja-build' : 'make';
      throw new Error(`${need} is missing: apt-get install -y ${pkg}`);
    }
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'rootfs-bench-'));
  const started = Date.now();
  const graph = generateGraph(args.nodes, args.seed);
  const n = args.nodes;
  const sample = [0, Math.floor(n / 2), n - 1];

  // node_modules/rootfs-engine -> this repo, so `import 'rootfs-engine'` resolves
  // (the same way the tests and fixtures/external-project do it).
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(REPO, path.join(dir, 'node_modules', 'rootfs-engine'));

  const specs: ToolSpec[] = [];
  for (const variant of ['engine', 'engine-nocmd'] as const) {
    if (!args.only.has(variant)) continue;
    const vdir = path.join(dir, variant);
    mkdirSync(vdir);
    writeFileSync(path.join(vdir, 'rootfs.config.ts'), engineConfig(graph, variant === 'engine'));
    const build = path.join(vdir, 'build');
    specs.push({
      tool: variant,
      label: variant === 'engine' ? 'rootfs-engine' : 'rootfs-engine, no commands',
      cwd: vdir,
      argv: ['node', ENGINE_BIN, '-C', path.join(vdir, 'rootfs.config.ts'), '-B', build, 'run', 'all', '--jobs', String(args.jobs)],
      verifyFull: () =>
        variant === 'engine'
          ? countOutputs(path.join(build, 'out', 'host'), n, sample)
          : readdirSync(path.join(build, 'state', 'nodes', 'host')).filter((f) => f.endsWith('.json')).length === n
            ? undefined
            : 'not every node has a state record',
      verifyNoop: (log) => (new RegExp(`: 0 built, ${n} up to date`).test(log) ? undefined : 'the no-op run built something'),
      inner: engineDone,
    });
  }
  if (args.only.has('make')) {
    const mdir = path.join(dir, 'make');
    mkdirSync(path.join(mdir, 'out'), { recursive: true });
    writeFileSync(path.join(mdir, 'Makefile'), makefile(graph));
    specs.push({
      tool: 'make',
      label: 'GNU make',
      cwd: mdir,
      argv: ['make', '-r', '-j', String(args.jobs), 'all'],
      verifyFull: () => countOutputs(path.join(mdir, 'out'), n, sample),
      verifyNoop: (log) => (/Nothing to be done/.test(log) ? undefined : 'the no-op run did something'),
    });
  }
  if (args.only.has('ninja')) {
    const ndir = path.join(dir, 'ninja');
    mkdirSync(ndir);
    writeFileSync(path.join(ndir, 'build.ninja'), ninjafile(graph));
    specs.push({
      tool: 'ninja',
      label: 'ninja',
      cwd: ndir,
      argv: ['ninja', '-j', String(args.jobs)],
      verifyFull: () => countOutputs(path.join(ndir, 'out'), n, sample),
      verifyNoop: (log) => (/no work to do/.test(log) ? undefined : 'the no-op run did something'),
    });
  }

  console.log(`rootfs-engine benchmark: ${n} nodes, ${graph.edges} edges, ${graph.layers} layers, seed ${args.seed}, -j ${args.jobs}`);
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${readOs()}, node ${process.version}`);
  console.log(`tools: ${versionOf(['make', '--version'])}; ninja ${versionOf(['ninja', '--version'])}`);
  console.log(`work dir: ${dir}`);
  console.log('');

  const rows: string[][] = [['tool', 'full build (s)', 'full CPU (s)', 'full peak RSS (MiB)', 'no-op (s)', 'no-op CPU (s)', 'no-op peak RSS (MiB)', 'engine-reported (full / no-op, s)', 'load avg before']];
  const problems: string[] = [];
  const mib = (kib: number): string => (kib / 1024).toFixed(1);
  for (const spec of specs) {
    const logBase = path.join(dir, `${spec.tool}`);
    const load = os.loadavg()[0]!.toFixed(2);
    process.stdout.write(`${spec.label} (1-min load average ${load}): full build... `);
    const full = timed(spec.argv, spec.cwd, `${logBase}.full.log`, spec.env);
    process.stdout.write(`${full.wallS} s; no-op... `);
    const noop = timed(spec.argv, spec.cwd, `${logBase}.noop.log`, spec.env);
    console.log(`${noop.wallS} s`);
    if (full.status !== 0) problems.push(`${spec.label}: full build exited ${full.status}: ${full.log.split('\n').slice(-5).join(' | ')}`);
    if (noop.status !== 0) problems.push(`${spec.label}: no-op exited ${noop.status}: ${noop.log.split('\n').slice(-5).join(' | ')}`);
    const bad = spec.verifyFull() ?? spec.verifyNoop(noop.log);
    if (bad) problems.push(`${spec.label}: ${bad}`);
    const inner = spec.inner ? `${spec.inner(full.log)?.toFixed(1) ?? '?'} / ${spec.inner(noop.log)?.toFixed(1) ?? '?'}` : '';
    rows.push([spec.label, full.wallS.toFixed(2), full.cpuS.toFixed(2), mib(full.rssKiB), noop.wallS.toFixed(2), noop.cpuS.toFixed(2), mib(noop.rssKiB), inner, load]);
  }

  console.log('');
  console.log(table(rows));
  console.log('');
  console.log('Wall time, CPU (user+sys of the whole process tree) and peak RSS from `/usr/bin/time -f "%e %M %U %S"`');
  console.log('(peak RSS is that of the largest single process of the tree, not a sum). "load avg before": 1-min load');
  console.log(`average when the tool's full build started: above ~0.5 something else was running on this ${os.cpus().length}-core machine.`);
  console.log('"engine-reported" is the engine\'s own "Done in X s" (graph walk only: excludes process start, config load and resolution).');
  console.log('');
  console.log('Commands (each run in its own folder of the work dir; full build first, then the same command again as the no-op):');
  for (const spec of specs) console.log(`  ${spec.label}: (cd ${path.relative(dir, spec.cwd)} && ${sh([TIME, '-f', '%e %M %U %S', ...spec.argv])})`);

  const engineSpecs = specs.filter((s) => s.tool === 'engine' || s.tool === 'engine-nocmd');
  const profiles: Array<{ spec: ToolSpec; kind: 'no-op' | 'full' }> = [];
  if (args.profile && engineSpecs[0]) profiles.push({ spec: engineSpecs[0], kind: 'no-op' });
  if (args.profileFull) for (const spec of engineSpecs) profiles.push({ spec, kind: 'full' });
  for (const { spec, kind } of profiles) {
    const profDir = path.join(dir, `cpuprof-${spec.tool}-${kind}`);
    let engineArgs = spec.argv.slice(1);
    if (kind === 'full') {
      // A fresh build dir beside the measured one: a full build from nothing.
      const b = engineArgs.indexOf('-B');
      engineArgs = [...engineArgs.slice(0, b + 1), `${engineArgs[b + 1]}-profile`, ...engineArgs.slice(b + 2)];
    }
    const argv = ['node', '--cpu-prof', `--cpu-prof-dir=${profDir}`, ...engineArgs];
    const run = timed(argv, spec.cwd, path.join(dir, `profile-${spec.tool}-${kind}.log`));
    // One profile per thread (tsx runs its loader hooks in a worker): keep the main thread's.
    const file = (existsSync(profDir) ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')) : [])
      .map((f) => path.join(profDir, f))
      .find((f) => readFileSync(f, 'utf8').includes('/engine/cli/main.ts'));
    console.log('');
    console.log(`CPU profile of a ${kind} ${spec.label} run (${run.wallS} s under the profiler): ${sh(argv)}`);
    if (file) for (const line of summariseProfile(file)) console.log(`  ${line}`);
    else console.log('  (no profile written)');
  }

  if (problems.length > 0) {
    console.log('');
    console.log('PROBLEMS (figures of these runs are not comparable):');
    for (const p of problems) console.log(`  ${p}`);
  }
  console.log('');
  console.log(`total bench time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (args.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  if (problems.length > 0) process.exitCode = 1;
}

function readOs(): string {
  try {
    return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.platform();
  } catch {
    return os.platform();
  }
}

main();
