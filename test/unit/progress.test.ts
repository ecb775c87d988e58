import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineEvent, RunCounts } from '../../engine/events.ts';
import type { NodeId } from '../../engine/graph/node-id.ts';
import { plainReporter } from '../../engine/cli/reporter.ts';
import { createProgress, effectiveMode } from '../../engine/progress/choose.ts';
import { EtaEstimator } from '../../engine/progress/eta.ts';
import { eventFromJsonLine, eventToJsonLine, jsonReporter } from '../../engine/progress/json.ts';
import { RunTally } from '../../engine/progress/tally.ts';
import { TtyProgress } from '../../engine/progress/tty.ts';
import { AnsiScreen } from '../helpers/ansi-screen.ts';
import { syntheticCounts, syntheticDeps, syntheticRun, T0 } from '../helpers/events.ts';

/** A terminal that records every write. */
class FakeTerminal {
  readonly writes: string[] = [];
  columns = 100;
  rows = 30;
  /** Replays each write at once, so a frame that erased too much shows as it happens. */
  constructor(private readonly screen?: AnsiScreen) {}
  write(text: string): void {
    this.writes.push(text);
    this.screen?.write(text);
  }
  get all(): string {
    return this.writes.join('');
  }
}

/** Counts as a reader of each output sees them. */
function countsFromLines(lines: string[]): Pick<RunCounts, 'built' | 'restored' | 'fresh' | 'failed' | 'skipped'> {
  const count = (re: RegExp): number => lines.filter((l) => re.test(l)).length;
  return {
    built: count(/^\[\d+\/\d+\] done /),
    restored: count(/^\[\d+\/\d+\] restored /),
    fresh: count(/^\[\d+\/\d+\] up to date /),
    failed: count(/^\[\d+\/\d+\] FAILED /),
    skipped: count(/^\s+skip /),
  };
}

function countsFromJson(lines: string[]): Pick<RunCounts, 'built' | 'restored' | 'fresh' | 'failed' | 'skipped'> {
  const events = lines.map((l) => eventFromJsonLine(l)!);
  const count = (type: EngineEvent['type']): number => events.filter((e) => e.type === type).length;
  return { built: count('node-done'), restored: count('node-restored'), fresh: count('node-fresh'), failed: count('node-failed'), skipped: count('node-skipped') };
}

const expected = { built: syntheticCounts.built, restored: syntheticCounts.restored, fresh: syntheticCounts.fresh, failed: syntheticCounts.failed, skipped: syntheticCounts.skipped };
const FINAL = 'Failed in 1.6 s: 2 built, 1 restored, 1 up to date, 1 failed, 1 skipped';

describe('progress consumers of one event stream', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0 - 1000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Feed the events at their own times, letting timers run in between. */
  function play(events: EngineEvent[], sink: (e: EngineEvent) => void): void {
    for (const event of events) {
      const wait = event.time - Date.now();
      if (wait > 0) vi.advanceTimersByTime(wait);
      sink(event);
    }
  }

  it('plain, NDJSON and the terminal view agree on the counts of the same run', () => {
    const plain: string[] = [];
    const json: string[] = [];
    const terminal = new FakeTerminal();
    const tty = new TtyProgress(terminal, { color: false, verbose: true });
    const plainSink = plainReporter((l) => plain.push(l), { verbose: true });
    const jsonSink = jsonReporter((l) => json.push(l));
    play(syntheticRun(), (e) => {
      plainSink(e);
      jsonSink(e);
      tty.onEvent(e);
    });

    expect(countsFromLines(plain)).toEqual(expected);
    expect(countsFromJson(json)).toEqual(expected);
    const screen = new AnsiScreen(['$ rootfs-engine run app data after']);
    screen.write(terminal.all);
    const shown = screen.text();
    expect(countsFromLines(shown)).toEqual(expected);
    expect(plain.at(-1)).toBe(FINAL);
    expect(shown.at(-1)).toBe(FINAL);
    const end = eventFromJsonLine(json.at(-1)!);
    expect(end).toMatchObject({ type: 'run-end', counts: syntheticCounts });
  });

  it('the terminal view erases only what it drew and ends with the summary', () => {
    const screen = new AnsiScreen(['$ earlier output', '$ rootfs-engine run all']);
    const terminal = new FakeTerminal(screen);
    const tty = new TtyProgress(terminal, { color: true, verbose: false });
    play(syntheticRun(), tty.onEvent);
    expect(screen.violations).toEqual([]);
    const shown = screen.text().map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(shown.slice(0, 2)).toEqual(['$ earlier output', '$ rootfs-engine run all']);
    // Permanent lines only: the live block is gone, the summary is last.
    expect(shown.slice(2)).toEqual([
      'fetch big                    big-1.0.tar.xz  from https://example.org/big-1.0.tar.xz',
      'Building 6 nodes with 2 jobs',
      '[2/6] FAILED broken@host (build)',
      '        skip  after@host (needs broken@host, which did not build)',
      '[3/6] restored  data@host (from the local cache, 0.0 s)',
      '[4/6] done  lib@host (1.1 s)',
      '[5/6] done  app@host (0.5 s, output unchanged)',
      FINAL,
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shows downloads, running nodes with phase and elapsed time, redrawn by a timer', () => {
    const terminal = new FakeTerminal();
    const tty = new TtyProgress(terminal, { color: false, verbose: false });
    const events = syntheticRun();
    const upTo = events.findIndex((e) => e.type === 'phase-end' && e.id === 'lib@host');
    play(events.slice(0, 2), tty.onEvent);
    let screen = new AnsiScreen();
    screen.write(terminal.all);
    expect(screen.text()).toEqual(['fetch big-1.0.tar.xz  10.0 MB of 20.0 MB (50%)']);
    play(events.slice(2, upTo), tty.onEvent);
    // Nothing happens for 3 s: the timer alone moves the elapsed time on.
    const writes = terminal.writes.length;
    vi.advanceTimersByTime(3000);
    expect(terminal.writes.length).toBeGreaterThan(writes);
    screen = new AnsiScreen();
    screen.write(terminal.all);
    const live = screen.text().slice(-2);
    expect(live[0]).toMatch(/^\[3\/6\] · 0 built · 1 restored · 1 up to date · 1 failed · 3\.\d s$/);
    expect(live[1]).toMatch(/^ {2}lib@host {2}build {6}3\.\d s$/);
    tty.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('throttles redraws to about ten a second and skips identical frames', () => {
    const terminal = new FakeTerminal();
    const tty = new TtyProgress(terminal, { color: false, verbose: false });
    tty.onEvent({ type: 'run-start', total: 1, jobs: 1, goals: [], time: Date.now() });
    tty.onEvent({ type: 'node-start', id: 'a@host' as NodeId, reasons: [], slot: 0, time: Date.now() });
    const before = terminal.writes.length;
    for (let i = 0; i < 50; i += 1) tty.onEvent({ type: 'phase-start', id: 'a@host' as NodeId, phase: i % 2 ? 'build' : 'install', time: Date.now() });
    expect(terminal.writes.length - before).toBeLessThanOrEqual(1);
    vi.advanceTimersByTime(100);
    expect(terminal.writes.length - before).toBeLessThanOrEqual(2);
    tty.close();
  });

  it('takes a terminal that reports 0 columns (a pty without a size) as 80 wide', () => {
    const terminal = new FakeTerminal();
    terminal.columns = 0;
    const tty = new TtyProgress(terminal, { color: false, verbose: false });
    play(syntheticRun().slice(4, 7), tty.onEvent);
    vi.advanceTimersByTime(200);
    const screen = new AnsiScreen();
    screen.write(terminal.all);
    expect(screen.text()[1]).toMatch(/^\[1\/6\] · 0 built · 1 up to date · 0\.\d s$/);
    tty.close();
  });

  it('cuts lines to the terminal width so none wraps', () => {
    const terminal = new FakeTerminal();
    terminal.columns = 30;
    const tty = new TtyProgress(terminal, { color: false, verbose: false });
    // From run-start to two running nodes: every line shown is part of the live block.
    play(syntheticRun().slice(4, 10), tty.onEvent);
    vi.advanceTimersByTime(200);
    const screen = new AnsiScreen();
    screen.write(terminal.all);
    expect(screen.text().length).toBe(4);
    for (const line of screen.text().slice(1)) expect(line.length).toBeLessThan(30);
    tty.close();
  });
});

describe('choosing the progress output', () => {
  it('auto is the live view only on an interactive terminal outside CI', () => {
    expect(effectiveMode('auto', {}, true)).toBe('tty');
    expect(effectiveMode('auto', {}, false)).toBe('plain');
    expect(effectiveMode('auto', { CI: 'true' }, true)).toBe('plain');
    expect(effectiveMode('auto', { TERM: 'dumb' }, true)).toBe('plain');
    expect(effectiveMode('json', {}, true)).toBe('json');
    expect(effectiveMode('tty', { CI: '1' }, false)).toBe('tty');
  });

  it('NO_COLOR turns colours off; colours are on otherwise', () => {
    const run = (env: Record<string, string>): string => {
      const terminal = new FakeTerminal();
      const progress = createProgress({ mode: 'tty', env, stdout: terminal });
      for (const e of syntheticRun()) progress.onEvent(e);
      progress.close();
      return terminal.all;
    };
    expect(run({})).toMatch(/\x1b\[[0-9;]*m/);
    expect(run({ NO_COLOR: '1' })).not.toMatch(/\x1b\[[0-9;]*m/);
  });

  it('--quiet prints only failures and the final line, also on a terminal', () => {
    const terminal = new FakeTerminal();
    const progress = createProgress({ mode: 'tty', quiet: true, env: {}, stdout: terminal });
    for (const e of syntheticRun()) progress.onEvent(e);
    expect(terminal.all.split('\n').filter(Boolean)).toEqual(['[2/6] FAILED broken@host (build)', FINAL]);
  });

  it('plain lines report big downloads by the quarter', () => {
    const lines: string[] = [];
    const sink = plainReporter((l) => lines.push(l));
    for (const e of syntheticRun().slice(0, 4)) sink(e);
    expect(lines).toEqual(['fetch big-1.0.tar.xz: 50% of 20.0 MB', 'fetch big                    big-1.0.tar.xz  from https://example.org/big-1.0.tar.xz']);
  });

  it('NDJSON lines carry the schema version and round-trip', () => {
    for (const event of syntheticRun()) {
      const line = eventToJsonLine(event);
      expect(JSON.parse(line)).toMatchObject({ v: 1, type: event.type });
      expect(eventFromJsonLine(line)).toEqual(event);
    }
  });
});

describe('ETA from recorded durations', () => {
  const ids = (s: string): NodeId => s as NodeId;
  const deps = new Map<NodeId, NodeId[]>([
    [ids('a'), []],
    [ids('b'), [ids('a')]],
    [ids('c'), []],
    [ids('d'), []],
  ]);

  it('is the larger of the work per slot and the longest chain left', () => {
    const eta = new EtaEstimator(deps, new Map([[ids('a'), 10_000], [ids('b'), 20_000], [ids('c'), 4_000], [ids('d'), 0]]), true);
    const tally = new RunTally();
    tally.apply({ type: 'run-start', total: 4, jobs: 2, goals: [], time: 0 });
    // Chain a -> b is 30 s; all work is 34 s over 2 slots = 17 s: the chain wins.
    expect(eta.remainingMs(tally, 0)).toBe(30_000);
    tally.apply({ type: 'node-start', id: ids('a'), reasons: [], slot: 0, time: 0 });
    expect(eta.remainingMs(tally, 4_000)).toBe(26_000);
    tally.apply({ type: 'node-done', id: ids('a'), durationMs: 10_000, outputChanged: true, slot: 0, time: 10_000 });
    tally.apply({ type: 'node-restored', id: ids('c'), from: 'local', durationMs: 5, slot: 1, time: 10_000 });
    expect(eta.remainingMs(tally, 10_000)).toBe(20_000);
  });

  it('says nothing without recorded durations', () => {
    const eta = new EtaEstimator(deps, new Map(), false);
    expect(eta.remainingMs(new RunTally(), 0)).toBeUndefined();
  });
});
