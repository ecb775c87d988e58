/**
 * The state every progress consumer folds the event stream into: how many nodes
 * are done and how (built, restored, up to date, failed), which are running, in
 * which phase and since when, and which downloads are in flight. Consumers render
 * it; none of them keeps counts of its own, so they cannot disagree.
 */
import type { EngineEvent } from '../events.ts';
import type { NodeId } from '../graph/node-id.ts';

export interface RunningNode {
  id: NodeId;
  slot: number;
  startedAt: number;
  phase?: string;
  phaseStartedAt?: number;
}

export interface Download {
  file: string;
  received: number;
  total?: number;
}

export class RunTally {
  total = 0;
  jobs = 0;
  startedAt: number | undefined;
  built = 0;
  restored = 0;
  fresh = 0;
  failed = 0;
  skipped = 0;
  cancelled = 0;
  /** Nodes whose run is in progress, in the order they started. */
  readonly running = new Map<NodeId, RunningNode>();
  readonly downloads = new Map<string, Download>();
  /** Nodes that will not run (any more) in this run: done, failed, skipped or cancelled. */
  readonly settled = new Set<NodeId>();
  ended = false;

  /** Nodes that reached an end state that counts towards `total`. */
  get done(): number {
    return this.built + this.restored + this.fresh + this.failed;
  }

  apply(event: EngineEvent): void {
    if ('id' in event && event.type !== 'node-start' && event.type !== 'phase-start' && event.type !== 'phase-end') this.settled.add(event.id);
    switch (event.type) {
      case 'run-start':
        this.total = event.total;
        this.jobs = event.jobs;
        this.startedAt = event.time;
        this.downloads.clear();
        break;
      case 'node-fresh':
        this.fresh += 1;
        break;
      case 'node-start':
        this.running.set(event.id, { id: event.id, slot: event.slot, startedAt: event.time });
        break;
      case 'phase-start': {
        const node = this.running.get(event.id);
        if (node) {
          node.phase = event.phase;
          node.phaseStartedAt = event.time;
        }
        break;
      }
      case 'phase-end':
        break;
      case 'node-done':
        this.running.delete(event.id);
        this.built += 1;
        break;
      case 'node-restored':
        this.running.delete(event.id);
        this.restored += 1;
        break;
      case 'node-failed':
        this.running.delete(event.id);
        this.failed += 1;
        break;
      case 'node-skipped':
        this.skipped += 1;
        break;
      case 'node-cancelled':
        this.running.delete(event.id);
        this.cancelled += 1;
        break;
      case 'download-progress':
        if (event.total !== undefined && event.received >= event.total) this.downloads.delete(event.file);
        else this.downloads.set(event.file, { file: event.file, received: event.received, total: event.total });
        break;
      case 'source-fetched':
        this.downloads.delete(event.file);
        break;
      case 'run-end':
        this.running.clear();
        this.ended = true;
        break;
      default: {
        const unreachable: never = event;
        void unreachable;
      }
    }
  }
}

/** `1.5 s`, `2:05`, `1:02:03`: short durations for humans. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** `12.3 MB` (decimal megabytes, as download sizes are usually quoted). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** The final line every human-facing consumer prints. */
export function summaryLine(event: Extract<EngineEvent, { type: 'run-end' }>): string {
  const c = event.counts;
  const restored = c.restored ?? 0;
  return (
    `${event.ok ? 'Done' : event.interrupted ? 'Interrupted' : 'Failed'} in ${(event.durationMs / 1000).toFixed(1)} s: ` +
    `${c.built} built${restored ? `, ${restored} restored` : ''}, ${c.fresh} up to date, ${c.failed} failed, ${c.skipped} skipped${c.cancelled ? `, ${c.cancelled} cancelled` : ''}`
  );
}
