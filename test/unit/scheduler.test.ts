import { describe, expect, it } from 'vitest';
import { remainingPathLengths, schedule, type NodeOutcome } from '../../engine/schedule/scheduler.ts';
import { defaultMaxHeavy, parsePressureLimits, pressureGate } from '../../engine/schedule/pressure.ts';

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

  it('runs at most `heavy.max` heavy nodes at once, and lets light nodes pass a waiting heavy one', async () => {
    const deps = new Map<string, string[]>([
      ['llvm1', []],
      ['llvm2', []],
      ['llvm3', []],
      ['small1', []],
      ['small2', []],
    ]);
    const weights = new Map([['llvm1', 100], ['llvm2', 100], ['llvm3', 100], ['small1', 1], ['small2', 1]]);
    let heavyRunning = 0;
    let heavyPeak = 0;
    let running = 0;
    let peak = 0;
    const started: string[] = [];
    const { outcomes } = await schedule({
      deps,
      weights,
      concurrency: 3,
      keepGoing: false,
      signal: new AbortController().signal,
      heavy: { ids: new Set(['llvm1', 'llvm2', 'llvm3']), max: 1 },
      run: async (id) => {
        started.push(id);
        const heavy = id.startsWith('llvm');
        if (heavy) heavyRunning += 1;
        running += 1;
        heavyPeak = Math.max(heavyPeak, heavyRunning);
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, heavy ? 30 : 5));
        if (heavy) heavyRunning -= 1;
        running -= 1;
        return 'ok';
      },
    });
    expect(heavyPeak).toBe(1);
    expect(peak).toBe(3);
    // Highest priority first, then the light nodes go ahead of the waiting heavy ones.
    expect(started.slice(0, 3)).toEqual(['llvm1', 'small1', 'small2']);
    expect(started.slice(3)).toEqual(['llvm2', 'llvm3']);
    expect([...outcomes.values()].every((o) => o === 'ok')).toBe(true);
  });

  it('starts no new node under pressure but never stalls with nothing running', async () => {
    const deps = new Map<string, string[]>(Array.from({ length: 8 }, (_, i) => [`n${i}`, []]));
    let running = 0;
    let peak = 0;
    let pressuredPeak = 0;
    let pressured = true;
    setTimeout(() => (pressured = false), 300);
    const { outcomes } = await schedule({
      deps,
      weights: new Map(),
      concurrency: 4,
      keepGoing: false,
      signal: new AbortController().signal,
      mayStart: () => !pressured,
      run: async () => {
        running += 1;
        peak = Math.max(peak, running);
        if (pressured) pressuredPeak = Math.max(pressuredPeak, running);
        await new Promise((r) => setTimeout(r, pressured ? 100 : 50));
        running -= 1;
        return 'ok';
      },
    });
    expect([...outcomes.values()].every((o) => o === 'ok')).toBe(true);
    // While pressured only one ran at a time; afterwards the rest went together.
    expect(pressuredPeak).toBe(1);
    expect(peak).toBeGreaterThan(1);
  });

  it('reads pressure limits and gates on them', () => {
    expect(parsePressureLimits('cpu=90,memory=20.5')).toEqual({ cpu: 90, memory: 20.5 });
    expect(parsePressureLimits('disk=3')).toMatch(/not RESOURCE=PERCENT/);
    expect(parsePressureLimits('cpu=300')).toMatch(/at most 100/);
    let cpu = 95;
    const gate = pressureGate({ cpu: 90 }, (resource) => (resource === 'cpu' ? cpu : undefined));
    expect(gate()).toBe(false);
    cpu = 10;
    expect(gate()).toBe(false); // cached for 200 ms
    expect(pressureGate({ cpu: 90 }, () => 10)()).toBe(true);
    expect(pressureGate({ memory: 5 }, () => undefined)()).toBe(true); // no PSI: no limit
  });

  it('allows one heavy node per 8 GiB of available memory, within 1..jobs', () => {
    expect(defaultMaxHeavy(4, 4 * 1024 ** 3)).toBe(1);
    expect(defaultMaxHeavy(4, 20 * 1024 ** 3)).toBe(2);
    expect(defaultMaxHeavy(2, 64 * 1024 ** 3)).toBe(2);
  });
});
