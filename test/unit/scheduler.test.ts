import { describe, expect, it } from 'vitest';
import { remainingPathLengths, schedule, type NodeOutcome } from '../../engine/schedule/scheduler.ts';

describe('scheduler', () => {
  it('computes the longest remaining path from weights', () => {
    const deps = new Map<string, string[]>([
      ['a', []],
      ['b', ['a']],
      ['c', ['b']],
      ['x', []],
    ]);
    const lengths = remainingPathLengths(deps, new Map([['a', 1], ['b', 10], ['c', 100], ['x', 5]]));
    expect(lengths.get('a')).toBe(111);
    expect(lengths.get('x')).toBe(5);
  });

  it('starts the node on the longest path first', async () => {
    const deps = new Map<string, string[]>([
      ['short1', []],
      ['short2', []],
      ['chain1', []],
      ['chain2', ['chain1']],
      ['chain3', ['chain2']],
    ]);
    const started: string[] = [];
    await schedule({
      deps,
      weights: new Map(),
      concurrency: 1,
      keepGoing: false,
      signal: new AbortController().signal,
      run: async (id) => {
        started.push(id);
        return 'ok';
      },
    });
    expect(started[0]).toBe('chain1');
    expect(started).toHaveLength(5);
  });

  it('never runs more than `concurrency` nodes at once', async () => {
    const deps = new Map<string, string[]>(Array.from({ length: 12 }, (_, i) => [`n${i}`, i > 5 ? [`n${i - 6}`] : []]));
    let running = 0;
    let peak = 0;
    await schedule({
      deps,
      weights: new Map(),
      concurrency: 3,
      keepGoing: false,
      signal: new AbortController().signal,
      run: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        return 'ok';
      },
    });
    expect(peak).toBe(3);
  });

  it('blocks dependents of a failure; stops new work unless keep-going', async () => {
    const deps = new Map<string, string[]>([
      ['bad', []],
      ['child', ['bad']],
      ['other', []],
      ['other2', ['other']],
    ]);
    const weights = new Map([['bad', 100], ['other', 1], ['other2', 1]]);
    for (const keepGoing of [false, true]) {
      const ran: string[] = [];
      const blocked: string[] = [];
      const { outcomes } = await schedule({
        deps,
        weights,
        concurrency: 1,
        keepGoing,
        signal: new AbortController().signal,
        onBlocked: (id) => blocked.push(id),
        run: async (id): Promise<NodeOutcome> => {
          ran.push(id);
          return id === 'bad' ? 'failed' : 'ok';
        },
      });
      expect(blocked).toEqual(['child']);
      expect(outcomes.get('child')).toBe('blocked');
      if (keepGoing) expect(ran).toEqual(['bad', 'other', 'other2']);
      else {
        expect(ran).toEqual(['bad']);
        expect(outcomes.get('other')).toBe('not-started');
      }
    }
  });
});
