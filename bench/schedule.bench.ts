/**
 * Scheduling quality: generated DAGs with known node durations (sleep-based),
 * run by our scheduler (longest remaining path first, from recorded durations),
 * by the same scheduler in plain FIFO order (no durations known), and by GNU
 * make -j on an equivalent generated Makefile. Prints makespan / lower bound,
 * where the bound is max(critical path, total work / jobs).
 *
 *   npx tsx bench/schedule.bench.ts [--jobs 2] [--unit-ms 50] [--repeat 1]
 *
 * Figures, not pass/fail. The virtual-clock column is the same scheduler on a
 * simulated clock (no sleep jitter, no process start-up).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { schedule } from '../engine/schedule/scheduler.ts';
import { allShapes, lowerBound, simulate, type Dag } from './dag-shapes.ts';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const jobs = option('jobs', 2);
const unitMs = option('unit-ms', 50);
const repeat = option('repeat', 1);

async function runScheduler(dag: Dag, order: 'critical-path' | 'fifo'): Promise<number> {
  const started = performance.now();
  await schedule({
    deps: dag.deps,
    weights: new Map([...dag.duration].map(([id, units]) => [id, order === 'fifo' ? 0 : units])),
    concurrency: jobs,
    keepGoing: false,
    signal: new AbortController().signal,
    run: (id) => new Promise((resolve) => setTimeout(() => resolve('ok'), dag.duration.get(id)! * unitMs)),
  });
  return performance.now() - started;
}

function makefileOf(dag: Dag): string {
  const lines = [`all: ${[...dag.deps.keys()].join(' ')}`, `.PHONY: all ${[...dag.deps.keys()].join(' ')}`];
  for (const [id, deps] of dag.deps) lines.push(`${id}: ${deps.join(' ')}`, `\t@sleep ${((dag.duration.get(id)! * unitMs) / 1000).toFixed(3)}`);
  return `${lines.join('\n')}\n`;
}

function runMake(dag: Dag, dir: string): number {
  const file = path.join(dir, `${dag.name.replace(/\W+/g, '-')}.mk`);
  writeFileSync(file, makefileOf(dag));
  const started = performance.now();
  const result = spawnSync('make', ['-r', '-s', `-j${jobs}`, '-f', file, 'all'], { cwd: dir, stdio: 'inherit', env: { ...process.env, MAKEFLAGS: '' } });
  if (result.status !== 0) throw new Error(`make failed on ${dag.name}`);
  return performance.now() - started;
}

function best(values: number[]): number {
  return Math.min(...values);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'rootfs-schedule-bench-'));
console.log(`scheduling quality: --jobs ${jobs}, 1 unit = ${unitMs} ms, best of ${repeat}; load average before: ${os.loadavg()[0]!.toFixed(2)}`);
console.log('');
console.log('| shape | nodes | critical path (units) | work (units) | lower bound (s) | ours: longest path first | FIFO | GNU make -j | ours, virtual clock | FIFO, virtual clock |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
try {
  for (const dag of allShapes()) {
    const { criticalPath, work, bound } = lowerBound(dag, jobs);
    const boundMs = bound * unitMs;
    const ours: number[] = [];
    const fifo: number[] = [];
    const make: number[] = [];
    for (let i = 0; i < repeat; i++) {
      ours.push(await runScheduler(dag, 'critical-path'));
      fifo.push(await runScheduler(dag, 'fifo'));
      make.push(runMake(dag, dir));
    }
    const simOurs = (await simulate(dag, jobs, 'critical-path')).makespan;
    const simFifo = (await simulate(dag, jobs, 'fifo')).makespan;
    const cell = (ms: number): string => `${(ms / 1000).toFixed(2)} s (${(ms / boundMs).toFixed(3)})`;
    console.log(
      `| ${dag.name} | ${dag.deps.size} | ${criticalPath} | ${work} | ${(boundMs / 1000).toFixed(2)} | ${cell(best(ours))} | ${cell(best(fifo))} | ${cell(best(make))} | ${(simOurs / bound).toFixed(3)} | ${(simFifo / bound).toFixed(3)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('');
console.log('Cells: makespan (makespan / lower bound). Lower bound = max(critical path, work / jobs).');
