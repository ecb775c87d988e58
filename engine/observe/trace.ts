/**
 * A run in Chrome's trace event format (open in https://ui.perfetto.dev or
 * chrome://tracing). One track (tid) per worker slot, slot + 1; one complete
 * ('X') slice per node with its phases as slices nested inside; nodes restored
 * from the cache carry `args.cache`; up-to-date nodes are instant events on
 * their own track (tid 0), since they occupy no slot for any real time.
 * Timestamps are microseconds since the start of the run.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EngineEvent } from '../events.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { timelineOf, type RunTimeline } from './timeline.ts';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'i' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  s?: 't' | 'p' | 'g';
  args?: Record<string, string | number | boolean>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string | number | boolean>;
}

const PID = 1;
const FRESH_TID = 0;

export function traceOf(timeline: RunTimeline): ChromeTrace {
  const us = (time: number): number => Math.round((time - timeline.start) * 1000);
  const events: TraceEvent[] = [
    { name: 'process_name', ph: 'M', pid: PID, tid: 0, args: { name: `rootfs-engine run ${timeline.goals.join(' ')}`.trim() } },
    { name: 'thread_name', ph: 'M', pid: PID, tid: FRESH_TID, args: { name: 'up to date' } },
  ];
  const slots = new Set<number>();
  for (let slot = 0; slot < timeline.jobs; slot += 1) slots.add(slot);
  for (const span of timeline.spans) slots.add(span.slot);
  for (const slot of [...slots].sort((a, b) => a - b)) {
    events.push({ name: 'thread_name', ph: 'M', pid: PID, tid: slot + 1, args: { name: `slot ${slot}` } });
    events.push({ name: 'thread_sort_index', ph: 'M', pid: PID, tid: slot + 1, args: { sort_index: slot + 1 } });
  }
  for (const span of timeline.spans) {
    const args: Record<string, string | number | boolean> = { status: span.status };
    if (span.from) args['cache'] = span.from;
    if (span.outputChanged !== undefined) args['outputChanged'] = span.outputChanged;
    if (span.failure) args['failedPhase'] = span.failure.phase;
    const start = us(span.start);
    events.push({ name: span.id, cat: 'node', ph: 'X', pid: PID, tid: span.slot + 1, ts: start, dur: us(span.end) - start, args });
    for (const phase of span.phases) {
      const phaseStart = us(phase.start);
      events.push({ name: phase.phase, cat: 'phase', ph: 'X', pid: PID, tid: span.slot + 1, ts: phaseStart, dur: us(phase.end) - phaseStart, args: { node: span.id } });
    }
  }
  for (const fresh of timeline.fresh) {
    events.push({ name: fresh.id, cat: 'fresh', ph: 'i', s: 't', pid: PID, tid: FRESH_TID, ts: us(fresh.time), args: { status: 'up to date' } });
  }
  const otherData: ChromeTrace['otherData'] = { goals: timeline.goals.join(' '), jobs: timeline.jobs, nodes: timeline.total };
  if (timeline.result) {
    otherData['ok'] = timeline.result.ok;
    otherData['durationMs'] = timeline.result.durationMs;
  }
  return { traceEvents: events, displayTimeUnit: 'ms', otherData };
}

/** A consumer that collects the run's events and writes the trace when the run ends (or on close). */
export class TraceWriter {
  private readonly events: EngineEvent[] = [];
  private written = false;

  constructor(readonly file: string) {}

  readonly onEvent = (event: EngineEvent): void => {
    if (event.type === 'download-progress') return;
    this.events.push(event);
  };

  async close(): Promise<void> {
    if (this.written) return;
    this.written = true;
    await fs.mkdir(path.dirname(path.resolve(this.file)), { recursive: true });
    await writeFileAtomic(path.resolve(this.file), JSON.stringify(traceOf(timelineOf(this.events))));
  }
}
