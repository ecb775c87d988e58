import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../engine/graph/node-id.ts';
import { criticalPath } from '../../engine/observe/critical-path.ts';
import { layeredLayout } from '../../engine/observe/graph-layout.ts';
import { renderReport } from '../../engine/observe/report-html.ts';
import { timelineOf } from '../../engine/observe/timeline.ts';
import { traceOf, type ChromeTrace } from '../../engine/observe/trace.ts';
import { expectWellNested } from '../helpers/trace.ts';
import { syntheticDeps, syntheticRun } from '../helpers/events.ts';

const id = (s: string): NodeId => s as NodeId;

describe('timeline and trace of a run', () => {
  const timeline = timelineOf(syntheticRun());

  it('folds the events into spans per node', () => {
    expect(timeline.spans.map((s) => [s.id, s.status, s.slot])).toEqual([
      ['lib@host', 'built', 0],
      ['broken@host', 'failed', 1],
      ['data@host', 'restored', 1],
      ['app@host', 'built', 0],
    ]);
    expect(timeline.spans.find((s) => s.id === 'lib@host')!.phases.map((p) => [p.phase, p.end - p.start])).toEqual([
      ['build', 988],
      ['install', 99],
    ]);
    expect(timeline.fresh.map((f) => f.id)).toEqual(['base@host']);
    expect(timeline.skipped).toEqual([{ id: 'after@host', blockedBy: 'broken@host' }]);
    expect(timeline.result?.counts.restored).toBe(1);
  });

  it('writes Chrome trace JSON: slot tracks, nested phase slices, cache hits marked', () => {
    const trace = JSON.parse(JSON.stringify(traceOf(timeline))) as ChromeTrace;
    expectWellNested(trace);
    const threadNames = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, e.args?.['name']]);
    expect(threadNames).toEqual(expect.arrayContaining([[1, 'slot 0'], [2, 'slot 1'], [0, 'up to date']]));
    const lib = trace.traceEvents.find((e) => e.name === 'lib@host')!;
    expect(lib).toMatchObject({ ph: 'X', tid: 1, ts: 10_000, dur: 1_090_000 });
    expect(trace.traceEvents.find((e) => e.name === 'data@host')).toMatchObject({ tid: 2, dur: 40_000, args: { status: 'restored', cache: 'local' } });
    expect(trace.traceEvents.find((e) => e.name === 'base@host')).toMatchObject({ ph: 'i', tid: 0, args: { status: 'up to date' } });
    expect(trace.traceEvents.find((e) => e.name === 'broken@host')).toMatchObject({ args: { status: 'failed', failedPhase: 'build' } });
  });

  it('keeps phases inside their node even when the clock jumps', () => {
    const events = syntheticRun().map((e) => (e.type === 'phase-end' && e.id === 'app@host' ? { ...e, time: e.time + 5000 } : e));
    expectWellNested(traceOf(timelineOf(events)));
  });
});

describe('critical path', () => {
  it('follows the chain with the largest total duration', () => {
    const deps = new Map<NodeId, NodeId[]>([
      [id('a'), []],
      [id('b'), [id('a')]],
      [id('c'), [id('a')]],
      [id('d'), [id('b'), id('c')]],
      [id('e'), []],
    ]);
    const durations = new Map([[id('a'), 5], [id('b'), 1], [id('c'), 10], [id('d'), 2], [id('e'), 16]]);
    expect(criticalPath(deps, durations)).toEqual(['a', 'c', 'd']);
    durations.set(id('e'), 18);
    expect(criticalPath(deps, durations)).toEqual(['e']);
    expect(criticalPath(deps, new Map())).toEqual([]);
  });
});

describe('graph layout', () => {
  it('puts every node right of its dependencies', () => {
    const { nodes } = layeredLayout(syntheticDeps);
    const column = new Map(nodes.map((n) => [n.id, n.column]));
    for (const [node, deps] of syntheticDeps) for (const dep of deps) expect(column.get(node)!).toBeGreaterThan(column.get(dep)!);
    const seen = new Set(nodes.map((n) => `${n.column}:${n.row}`));
    expect(seen.size).toBe(nodes.length);
  });
});

describe('HTML report', () => {
  const html = renderReport({
    timeline: timelineOf(syntheticRun()),
    graph: { goals: [id('app@host'), id('data@host'), id('after@host')], deps: Object.fromEntries(syntheticDeps) },
    buildRoot: '/b',
    generatedAt: new Date(0),
  });

  it('has a timeline bar for every node that ran, the critical path marked', () => {
    const bars = [...html.matchAll(/<rect class="bar ([a-z ]+)" data-node="([^"]+)"/g)].map((m) => [m[2], m[1]]);
    expect(bars).toEqual([
      ['lib@host', 'built critical'],
      ['broken@host', 'failed'],
      ['data@host', 'restored'],
      ['app@host', 'built critical'],
    ]);
    expect([...html.matchAll(/<li data-node="([^"]+)" data-critical="true">/g)].map((m) => m[1])).toEqual(['lib@host', 'app@host']);
  });

  it('lists cache hits and failures with the log excerpt and the log command', () => {
    expect(html).toContain('1 node was up to date (nothing to do) and 1 was restored from the artifact cache');
    expect(html).toContain('<pre>$ exit 3</pre>');
    expect(html).toContain('<code>rootfs-engine log broken@host build</code>');
    expect(html).toMatch(/<g class="gnode skipped goal" data-node="after@host"/);
    expect(html).toMatch(/<g class="gnode fresh" data-node="base@host"/);
  });

  it('is self-contained: nothing to fetch, text escaped', () => {
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?[a-z]+:/i);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
    expect(html).not.toContain('<link');
    const hostile = renderReport({
      timeline: timelineOf(syntheticRun().map((e) => (e.type === 'node-failed' ? { ...e, tail: ['<script src="https://evil.example/x.js"></script>'] } : e))),
      graph: undefined,
      buildRoot: '/b',
      generatedAt: new Date(0),
    });
    expect(hostile).not.toContain('<script src=');
    expect(hostile).toContain('&lt;script src=&quot;https://evil.example/x.js&quot;&gt;');
  });
});
