/**
 * Generated DAGs with known node durations, for judging schedulers: the shapes,
 * the lower bound of any schedule, and an event-driven simulation of our
 * scheduler on a virtual clock (used by test/unit/scheduler-shapes.test.ts and
 * bench/schedule.bench.ts).
 */
import { schedule } from '../engine/schedule/scheduler.ts';

export interface Dag {
  name: string;
  /** node -> dependencies, in declaration order (what FIFO and make see). */
  deps: Map<string, string[]>;
  /** node -> duration in units. */
  duration: Map<string, number>;
}

/** mulberry32: a small seeded PRNG, so every run builds the same graphs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A long chain declared last, many short independent nodes declared first: FIFO
 * starts the chain late.
 */
export function chainPlusShort(chain = 10, chainUnits = 4, short = 40): Dag {
  const deps = new Map<string, string[]>();
  const duration = new Map<string, number>();
  for (let i = 0; i < short; i++) {
    deps.set(`s${i}`, []);
    duration.set(`s${i}`, 1);
  }
  for (let i = 0; i < chain; i++) {
    deps.set(`c${i}`, i === 0 ? [] : [`c${i - 1}`]);
    duration.set(`c${i}`, chainUnits);
  }
  return { name: `chain of ${chain}x${chainUnits} + ${short} short`, deps, duration };
}

/** One root, `width` children of 1..4 units, one sink. */
export function fanOut(width = 40, seed = 1): Dag {
  const random = prng(seed);
  const deps = new Map<string, string[]>([['root', []]]);
  const duration = new Map<string, number>([['root', 2]]);
  const children: string[] = [];
  for (let i = 0; i < width; i++) {
    deps.set(`f${i}`, ['root']);
    duration.set(`f${i}`, 1 + Math.floor(random() * 4));
    children.push(`f${i}`);
  }
  deps.set('sink', children);
  duration.set('sink', 1);
  return { name: `fan-out of ${width}`, deps, duration };
}

/** Diamonds in series: 1 -> `width` -> 1 -> `width` -> 1 ..., durations 1..6 units. */
export function diamonds(count = 3, width = 8, seed = 2): Dag {
  const random = prng(seed);
  const deps = new Map<string, string[]>([['d0', []]]);
  const duration = new Map<string, number>([['d0', 1]]);
  let top = 'd0';
  for (let d = 0; d < count; d++) {
    const middle: string[] = [];
    for (let i = 0; i < width; i++) {
      const id = `d${d}m${i}`;
      deps.set(id, [top]);
      duration.set(id, 1 + Math.floor(random() * 6));
      middle.push(id);
    }
    top = `d${d + 1}`;
    deps.set(top, middle);
    duration.set(top, 1);
  }
  return { name: `${count} diamonds of ${width}`, deps, duration };
}

/** Layered random DAG: mixed durations (1..8 units, a few of 12), 1..3 deps each. */
export function layered(layers = 6, width = 8, seed = 3): Dag {
  const random = prng(seed);
  const deps = new Map<string, string[]>();
  const duration = new Map<string, number>();
  const ids: string[][] = [];
  for (let l = 0; l < layers; l++) {
    ids.push([]);
    for (let i = 0; i < width; i++) {
      const id = `l${l}n${i}`;
      const list = new Set<string>();
      if (l > 0) for (let k = 1 + Math.floor(random() * 3); k > 0; k--) list.add(ids[Math.floor(random() * l)]![Math.floor(random() * width)]!);
      deps.set(id, [...list]);
      duration.set(id, random() < 0.1 ? 12 : 1 + Math.floor(random() * 8));
      ids[l]!.push(id);
    }
  }
  return { name: `layered ${layers}x${width}`, deps, duration };
}

export function allShapes(): Dag[] {
  return [chainPlusShort(), fanOut(), diamonds(), layered()];
}

/** max(critical path, total work / jobs), in units: no schedule can beat it. */
export function lowerBound(dag: Dag, jobs: number): { criticalPath: number; work: number; bound: number } {
  const memo = new Map<string, number>();
  const finish = (id: string): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    let start = 0;
    for (const dep of dag.deps.get(id) ?? []) start = Math.max(start, finish(dep));
    const value = start + dag.duration.get(id)!;
    memo.set(id, value);
    return value;
  };
  let criticalPath = 0;
  let work = 0;
  for (const id of dag.deps.keys()) {
    criticalPath = Math.max(criticalPath, finish(id));
    work += dag.duration.get(id)!;
  }
  return { criticalPath, work, bound: Math.max(criticalPath, work / jobs) };
}

/**
 * Run the real scheduler on a virtual clock: each node "runs" for its duration
 * in units. `priorities: 'critical-path'` gives the scheduler the durations as
 * recorded weights; `'fifo'` gives it no information (all weights 0), so ready
 * nodes start in declaration order. Returns the makespan and the start order.
 */
export async function simulate(dag: Dag, jobs: number, priorities: 'critical-path' | 'fifo'): Promise<{ makespan: number; order: string[] }> {
  let now = 0;
  const running: Array<{ end: number; resolve: () => void }> = [];
  const order: string[] = [];
  let done = false;
  const weights = new Map([...dag.duration].map(([id, units]) => [id, priorities === 'fifo' ? 0 : units]));
  const finished = schedule({
    deps: dag.deps,
    weights,
    concurrency: jobs,
    keepGoing: false,
    signal: new AbortController().signal,
    run: (id) =>
      new Promise((resolve) => {
        order.push(id);
        running.push({ end: now + dag.duration.get(id)!, resolve: () => resolve('ok') });
      }),
  }).then(() => {
    done = true;
  });
  // Let the scheduler start everything it can at this instant, then jump to the next end.
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  await settle();
  while (!done) {
    if (running.length === 0) {
      await settle();
      continue;
    }
    running.sort((a, b) => a.end - b.end);
    now = running[0]!.end;
    while (running.length > 0 && running[0]!.end === now) running.shift()!.resolve();
    await settle();
  }
  await finished;
  return { makespan: now, order };
}
