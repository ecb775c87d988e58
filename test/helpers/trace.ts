/** Checks shared by the trace tests. */
import { expect } from 'vitest';
import type { ChromeTrace, TraceEvent } from '../../engine/observe/trace.ts';

/** Every phase slice inside a node slice on the same track; node slices of one track never overlap. */
export function expectWellNested(trace: ChromeTrace): void {
  const slices = trace.traceEvents.filter((e): e is TraceEvent & { ts: number; dur: number } => e.ph === 'X');
  const nodes = slices.filter((e) => e.cat === 'node');
  for (const phase of slices.filter((e) => e.cat === 'phase')) {
    const parent = nodes.find((n) => n.name === phase.args?.['node']);
    expect(parent, `phase ${phase.name} of ${String(phase.args?.['node'])}`).toBeDefined();
    expect(phase.tid).toBe(parent!.tid);
    expect(phase.ts).toBeGreaterThanOrEqual(parent!.ts);
    expect(phase.ts + phase.dur).toBeLessThanOrEqual(parent!.ts + parent!.dur);
  }
  const byTid = new Map<number, typeof nodes>();
  for (const n of nodes) byTid.set(n.tid, [...(byTid.get(n.tid) ?? []), n]);
  for (const list of byTid.values()) {
    list.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < list.length; i += 1) expect(list[i]!.ts).toBeGreaterThanOrEqual(list[i - 1]!.ts + list[i - 1]!.dur);
  }
  for (const slice of slices) {
    expect(slice.pid).toBe(1);
    expect(slice.dur).toBeGreaterThanOrEqual(0);
  }
}

