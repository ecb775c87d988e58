/**
 * Everything the engine reports, as one discriminated union. The progress view,
 * plain log lines, NDJSON output and the trace writer are all consumers of it.
 */
import type { NodeId } from './graph/node-id.ts';
import type { NotFreshReason } from './rebuild/reasons.ts';
import type { PhaseName } from './recipe.ts';

export type EngineEvent =
  | { type: 'download-progress'; file: string; received: number; total?: number; time: number }
  | { type: 'source-fetched'; recipe: string; file: string; origin: 'distfiles' | 'mirror' | 'url' | 'apt'; from?: string; time: number }
  | { type: 'run-start'; total: number; jobs: number; goals: NodeId[]; time: number }
  | { type: 'node-fresh'; id: NodeId; time: number }
  | { type: 'node-start'; id: NodeId; reasons: NotFreshReason[]; slot: number; time: number }
  | { type: 'phase-start'; id: NodeId; phase: PhaseName; time: number }
  | { type: 'phase-end'; id: NodeId; phase: PhaseName; durationMs: number; time: number }
  | { type: 'node-restored'; id: NodeId; from: 'local' | 'remote'; durationMs: number; slot: number; time: number }
  | { type: 'node-done'; id: NodeId; durationMs: number; outputChanged: boolean; slot: number; time: number }
  | { type: 'node-failed'; id: NodeId; phase: PhaseName | 'merge' | 'setup'; message: string; logFile?: string; tail: string[]; slot: number; time: number }
  | { type: 'node-skipped'; id: NodeId; blockedBy: NodeId; time: number }
  | { type: 'node-cancelled'; id: NodeId; time: number }
  | { type: 'node-restored'; id: NodeId; from: 'local' | 'remote'; durationMs: number; slot: number; time: number }
  | { type: 'run-end'; ok: boolean; interrupted: boolean; counts: RunCounts; durationMs: number; time: number };

export interface RunCounts {
  total: number;
  fresh: number;
  built: number;
  restored: number;
  failed: number;
  skipped: number;
  cancelled: number;
}

export type EventSink = (event: EngineEvent) => void;
