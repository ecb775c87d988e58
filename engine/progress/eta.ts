/**
 * The estimate of time left, from recorded durations (the node records keep the
 * wall time of each node's last build). Two bounds, the larger wins: the work left
 * spread over the job slots, and the longest chain of work left (no amount of
 * parallelism makes a chain shorter). Nodes that turn out up to date cost nothing,
 * which is why the estimate takes a plan: nodes known fresh weigh 0.
 */
import type { NodeId } from '../graph/node-id.ts';
import { remainingPathLengths } from '../schedule/scheduler.ts';
import type { RunTally } from './tally.ts';

export class EtaEstimator {
  /**
   * @param deps      node -> its dependencies, for every node of the run
   * @param expected  expected wall time per node (0 for nodes known to be fresh);
   *                  nodes without an entry count as the mean of the known ones
   * @param measured  whether any expectation comes from a recorded build; without
   *                  one there is nothing to estimate from
   */
  constructor(
    private readonly deps: ReadonlyMap<NodeId, readonly NodeId[]>,
    private readonly expected: ReadonlyMap<NodeId, number>,
    readonly measured: boolean,
  ) {}

  /** Milliseconds left, or undefined when there is no recorded duration to go by. */
  remainingMs(tally: RunTally, now: number): number | undefined {
    if (!this.measured) return undefined;
    const known = [...this.expected.values()].filter((v) => v > 0);
    const fallback = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 0;
    const left = new Map<NodeId, number>();
    const deps = new Map<NodeId, NodeId[]>();
    for (const [id, list] of this.deps) {
      if (tally.settled.has(id)) continue;
      const expected = this.expected.get(id) ?? fallback;
      const running = tally.running.get(id);
      left.set(id, running ? Math.max(0, expected - (now - running.startedAt)) : expected);
    }
    for (const id of left.keys()) deps.set(id, (this.deps.get(id) ?? []).filter((dep) => left.has(dep)));
    if (left.size === 0) return 0;
    const work = [...left.values()].reduce((a, b) => a + b, 0);
    let chain = 0;
    for (const length of remainingPathLengths(deps, left).values()) chain = Math.max(chain, length);
    return Math.max(work / Math.max(1, tally.jobs), chain);
  }
}
