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
