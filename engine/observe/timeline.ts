/**
 * A run as spans: folds the event stream of one run into what happened to each
 * node, when, on which worker slot, and in which phases. The trace writer and the
 * HTML report both draw from it.
 */
import type { EngineEvent, RunCounts } from '../events.ts';
import type { NodeId } from '../graph/node-id.ts';

export interface PhaseSpan {
  phase: string;
  start: number;
  end: number;
}

export type SpanStatus = 'built' | 'restored' | 'failed' | 'cancelled' | 'unfinished';

export interface NodeSpan {
  id: NodeId;
  slot: number;
  start: number;
  end: number;
  status: SpanStatus;
  phases: PhaseSpan[];
  /** Restored nodes: which cache. */
  from?: 'local' | 'remote';
  outputChanged?: boolean;
  failure?: { phase: string; message: string; logFile?: string; tail: string[] };
}

export interface RunTimeline {
  start: number;
  end: number;
  jobs: number;
  total: number;
  goals: NodeId[];
  /** Nodes that ran (built, restored, failed, cancelled), in start order. */
  spans: NodeSpan[];
  fresh: Array<{ id: NodeId; time: number }>;
  skipped: Array<{ id: NodeId; blockedBy: NodeId }>;
  /** From run-end; absent when the run did not end (killed, or still going). */
  result?: { ok: boolean; interrupted: boolean; counts: RunCounts; durationMs: number };
}

export function timelineOf(events: Iterable<EngineEvent>): RunTimeline {
  const timeline: RunTimeline = { start: 0, end: 0, jobs: 1, total: 0, goals: [], spans: [], fresh: [], skipped: [] };
  const open = new Map<NodeId, NodeSpan>();
  const openPhases = new Map<NodeId, PhaseSpan>();
  let last = 0;
  const close = (id: NodeId, time: number, status: SpanStatus): NodeSpan | undefined => {
    const span = open.get(id);
    if (!span) return undefined;
    const phase = openPhases.get(id);
    if (phase) {
      phase.end = time;
      openPhases.delete(id);
    }
    span.end = Math.max(span.start, time);
    span.status = status;
    open.delete(id);
    return span;
  };
  for (const event of events) {
    last = Math.max(last, event.time);
    switch (event.type) {
      case 'run-start':
        // One stream holds one run; should two be concatenated, the last one wins.
        Object.assign(timeline, { start: event.time, end: event.time, jobs: event.jobs, total: event.total, goals: event.goals, spans: [], fresh: [], skipped: [] });
        timeline.result = undefined;
        open.clear();
        openPhases.clear();
        break;
      case 'node-fresh':
        timeline.fresh.push({ id: event.id, time: event.time });
        break;
      case 'node-start': {
        const span: NodeSpan = { id: event.id, slot: event.slot, start: event.time, end: event.time, status: 'unfinished', phases: [] };
        timeline.spans.push(span);
        open.set(event.id, span);
        break;
      }
      case 'phase-start': {
        const span = open.get(event.id);
        if (!span) break;
        const phase: PhaseSpan = { phase: event.phase, start: Math.max(span.start, event.time), end: event.time };
        span.phases.push(phase);
        openPhases.set(event.id, phase);
        break;
      }
      case 'phase-end': {
        const phase = openPhases.get(event.id);
        if (phase) phase.end = Math.max(phase.start, event.time);
        openPhases.delete(event.id);
        break;
      }
      case 'node-done': {
        const span = close(event.id, event.time, 'built');
        if (span) span.outputChanged = event.outputChanged;
        break;
      }
      case 'node-restored': {
        // A restore may come with or without a node-start before it.
        let span = close(event.id, event.time, 'restored');
        if (!span) {
          span = { id: event.id, slot: event.slot, start: event.time - event.durationMs, end: event.time, status: 'restored', phases: [] };
          timeline.spans.push(span);
        }
        span.from = event.from;
        break;
      }
      case 'node-failed': {
        let span = close(event.id, event.time, 'failed');
        if (!span) {
          // Failed before it started (evaluating its key): a zero-length span on its slot.
          span = { id: event.id, slot: event.slot, start: event.time, end: event.time, status: 'failed', phases: [] };
          timeline.spans.push(span);
        }
        span.failure = { phase: event.phase, message: event.message, logFile: event.logFile, tail: event.tail };
        break;
      }
      case 'node-cancelled':
        close(event.id, event.time, 'cancelled');
        break;
      case 'node-skipped':
        timeline.skipped.push({ id: event.id, blockedBy: event.blockedBy });
        break;
      case 'download-progress':
      case 'source-fetched':
        break;
      case 'run-end':
        for (const id of [...open.keys()]) close(id, event.time, 'unfinished');
        timeline.result = { ok: event.ok, interrupted: event.interrupted, counts: event.counts, durationMs: event.durationMs };
        break;
      default: {
        const unreachable: never = event;
        void unreachable;
      }
    }
  }
  for (const id of [...open.keys()]) close(id, last, 'unfinished');
  timeline.end = Math.max(timeline.start, last);
  // Phases end inside their node, whatever the clock did.
  for (const span of timeline.spans) {
    for (const phase of span.phases) {
      phase.start = Math.min(Math.max(phase.start, span.start), span.end);
      phase.end = Math.min(Math.max(phase.end, phase.start), span.end);
    }
  }
  return timeline;
}
