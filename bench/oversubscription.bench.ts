/**
 * Oversubscription: three real parallel builds at once under `--jobs 2`, with the
 * engine's jobserver and without it (every node with its own MAKEFLAGS=-j2), in
 * one run of this script:
 *
 *   a  a generated C project of many files, built with make
 *   b  a second generated C project, built with make
 *   c  a generated CMake project, configured for Unix Makefiles and built with
 *      `cmake --build` (make underneath)
 *
 * Every ~50 ms it counts the compiler processes (gcc's cc1/cc1plus, clang -cc1)
 * that descend from the engine, and prints peak and mean concurrency, the share
 * of samples above --jobs, CPU utilisation of the build's process tree
 * (user+sys / (wall x cores)) and wall time.
 *
 *   npx tsx bench/oversubscription.bench.ts [--jobs 2] [--files 40] [--keep]
 *
 * Figures, not pass/fail.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const jobs = option('jobs', 2);
const files = option('files', 40);
const keep = process.argv.includes('--keep');

/** A C file that takes gcc -O2 about 0.35 s of CPU. */
function cFile(seed: number): string {
  const lines: string[] = [];
  for (let f = 0; f < 120; f++) {
    lines.push(`static int f${f}(int x) { int s = ${seed}; for (int i = 0; i < x; i++) { s += (i * ${f + 3}) ^ (s >> 3); if (s % ${f + 7} == 0) s += i * i; } return s; }`);
  }
  lines.push(`int entry${seed}(int x) { return ${Array.from({ length: 120 }, (_, f) => `f${f}(x + ${f})`).join(' + ')}; }`);
  return `${lines.join('\n')}\n`;
}

function generateMakeProject(dir: string, count: number, prefix: string): void {
  mkdirSync(dir, { recursive: true });
  const objects: string[] = [];
  for (let i = 0; i < count; i++) {
    writeFileSync(path.join(dir, `${prefix}${i}.c`), cFile(i));
    objects.push(`${prefix}${i}.o`);
  }
  writeFileSync(path.join(dir, 'main.c'), 'int main(void) { return 0; }\n');
  writeFileSync(
    path.join(dir, 'Makefile'),
    [
      `VPATH = ${dir}`,
      `OBJS = ${objects.join(' ')} main.o`,
      'lib.a: $(OBJS)',
      '\tar rcs $@ $^',
      '%.o: %.c',
      '\tcc -O2 -c $< -o $@',
      '',
    ].join('\n'),
  );
}

function generateCmakeProject(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  const sources: string[] = [];
  for (let i = 0; i < count; i++) {
    writeFileSync(path.join(dir, `c${i}.c`), cFile(1000 + i));
    sources.push(`c${i}.c`);
  }
  writeFileSync(
    path.join(dir, 'CMakeLists.txt'),
    ['cmake_minimum_required(VERSION 3.13)', 'project(bench C)', 'set(CMAKE_C_FLAGS "-O2")', `add_library(bench STATIC ${sources.join(' ')})`, ''].join('\n'),
  );
}

function configOf(root: string): string {
  const recipe = (name: string, phases: string): string => `defineRecipe({ name: '${name}', version: '1', phases: { ${phases}, install: (ctx) => \`mkdir -p \${ctx.dirs.dest}/${name} && cp *.a \${ctx.dirs.dest}/${name}/\` } })`;
  return [
    `import { defineConfig, defineRecipe } from 'rootfs-engine';`,
    `export default defineConfig({ recipes: [`,
    `  ${recipe('a', `build: () => 'make -f ${root}/a/Makefile'`)},`,
    `  ${recipe('b', `build: () => 'make -f ${root}/b/Makefile'`)},`,
    `  ${recipe('c', `configure: () => 'cmake -S ${root}/c -B . -G "Unix Makefiles" >/dev/null', build: () => 'cmake --build .'`)},`,
    `], goals: { all: { nodes: () => ['a', 'b', 'c'] } } });`,
    '',
  ].join('\n');
}

const COMPILERS = new Set(['cc1', 'cc1plus']);

/** Compiler processes that descend from `root` right now. */
function countCompilers(root: number): number {
  const parent = new Map<number, number>();
  const compilers: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const pid = Number(entry);
    parent.set(pid, Number(fields[1]));
    if (COMPILERS.has(comm)) compilers.push(pid);
    else if (comm.startsWith('clang')) {
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('-cc1')) compilers.push(pid);
      } catch {
        // gone
      }
    }
  }
  let count = 0;
  for (const pid of compilers) {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) {
      if (p === root) {
        count += 1;
        break;
      }
    }
  }
  return count;
}

interface ModeResult {
  mode: string;
  wallS: number;
  cpuS: number;
  peak: number;
  mean: number;
  over: number;
  samples: number;
  exit: number;
}

function runMode(mode: string, cwd: string, extra: string[]): Promise<ModeResult> {
  return new Promise((resolve, reject) => {
    const timeFile = path.join(cwd, `time-${mode}.txt`);
    const args = ['-f', '%e %U %S', '-o', timeFile, process.execPath, path.join(REPO, 'bin', 'rootfs-engine.js'), '-C', path.join(cwd, 'rootfs.config.ts'), '-B', path.join(cwd, `build-${mode}`), 'run', 'all', '--jobs', String(jobs), ...extra];
    const child = spawn('/usr/bin/time', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const counts: number[] = [];
    const timer = setInterval(() => counts.push(countCompilers(child.pid!)), 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const [wall, user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
      if (code !== 0) process.stderr.write(output);
      const active = counts.length > 0 ? counts : [0];
      resolve({
        mode,
        wallS: wall!,
        cpuS: user! + sys!,
        peak: Math.max(...active),
        mean: active.reduce((a, b) => a + b, 0) / active.length,
        over: active.filter((c) => c > jobs).length / active.length,
        samples: counts.length,
        exit: code ?? -1,
      });
    });
  });
}

const root = mkdtempSync(path.join(os.tmpdir(), 'rootfs-oversub-bench-'));
try {
  generateMakeProject(path.join(root, 'a'), files, 'a');
  generateMakeProject(path.join(root, 'b'), files, 'b');
  generateCmakeProject(path.join(root, 'c'), Math.round(files * 0.75));
  mkdirSync(path.join(root, 'node_modules'));
  symlinkSync(REPO, path.join(root, 'node_modules', 'rootfs-engine'));
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'bench', private: true, type: 'module' }));
  writeFileSync(path.join(root, 'rootfs.config.ts'), configOf(root));
  const cores = os.availableParallelism();
  console.log(`oversubscription: 3 nodes (make ${files} files, make ${files} files, cmake+make ${Math.round(files * 0.75)} files) at once, --jobs ${jobs}, ${cores} cores`);
  console.log(`work dir: ${root}`);
  const results: ModeResult[] = [];
  for (const [mode, extra] of [
    ['jobserver', []],
    ['no-jobserver', ['--no-jobserver']],
  ] as const) {
    process.stdout.write(`${mode} (1-min load average ${os.loadavg()[0]!.toFixed(2)})... `);
    const result = await runMode(mode, root, [...extra]);
    console.log(`${result.wallS.toFixed(1)} s${result.exit === 0 ? '' : ` (exit ${result.exit})`}`);
    results.push(result);
  }
  console.log('');
  console.log('| mode | wall (s) | CPU user+sys (s) | CPU utilisation | peak compilers | mean compilers | samples above --jobs | samples |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.mode} | ${r.wallS.toFixed(1)} | ${r.cpuS.toFixed(1)} | ${((100 * r.cpuS) / (r.wallS * cores)).toFixed(0)}% | ${r.peak} | ${r.mean.toFixed(2)} | ${(100 * r.over).toFixed(1)}% | ${r.samples} |`);
  }
} finally {
  if (!keep) rmSync(root, { recursive: true, force: true });
}
