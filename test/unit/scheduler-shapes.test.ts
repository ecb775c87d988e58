/**
 * The scheduler on generated DAG shapes, on a virtual clock: the order it picks
 * and the makespan against the lower bound max(critical path, work / jobs).
 */
import { describe, expect, it } from 'vitest';
import { allShapes, chainPlusShort, lowerBound, simulate } from '../../bench/dag-shapes.ts';

describe('scheduler on DAG shapes (simulated clock)', () => {
  it('starts the long chain first and finishes at the lower bound', async () => {
    const dag = chainPlusShort(10, 4, 40);
    const { makespan, order } = await simulate(dag, 2, 'critical-path');
    expect(order[0]).toBe('c0');
    expect(lowerBound(dag, 2).bound).toBe(40);
    expect(makespan).toBe(40);
    // FIFO leaves the chain for later: it finishes 50% late.
    const fifo = await simulate(dag, 2, 'fifo');
    expect(fifo.order[0]).toBe('s0');
    expect(fifo.makespan).toBe(60);
  });

  for (const dag of allShapes()) {
    it(`stays within 20% of the lower bound on ${dag.name}, never worse than FIFO`, async () => {
      for (const jobs of [2, 4]) {
        const { bound } = lowerBound(dag, jobs);
        const ours = await simulate(dag, jobs, 'critical-path');
        const fifo = await simulate(dag, jobs, 'fifo');
        expect(ours.order).toHaveLength(dag.deps.size);
        expect(ours.makespan).toBeGreaterThanOrEqual(bound);
        expect(ours.makespan / bound).toBeLessThanOrEqual(1.2);
        expect(ours.makespan).toBeLessThanOrEqual(fifo.makespan);
      }
    });
  }
});
