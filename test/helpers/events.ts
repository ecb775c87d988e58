/**
 * A synthetic run as the engine would report it: downloads, a fresh node, built
 * nodes with phases on two slots, a node restored from the cache, a failure, and
 * a node skipped because of it. Times are fixed, so every consumer sees the same.
 */
import type { EngineEvent, RunCounts } from '../../engine/events.ts';
import type { NodeId } from '../../engine/graph/node-id.ts';

const id = (s: string): NodeId => s as NodeId;
export const T0 = 1_700_000_000_000;

export const syntheticCounts: RunCounts = { total: 6, fresh: 1, built: 2, restored: 1, failed: 1, skipped: 1, cancelled: 0 };

/** node -> deps for the synthetic run. */
export const syntheticDeps = new Map<NodeId, NodeId[]>([
  [id('base@host'), []],
  [id('lib@host'), [id('base@host')]],
  [id('app@host'), [id('lib@host')]],
  [id('data@host'), []],
  [id('broken@host'), [id('base@host')]],
  [id('after@host'), [id('broken@host')]],
]);

export function syntheticRun(): EngineEvent[] {
  const t = (ms: number): number => T0 + ms;
  return [
    { type: 'download-progress', file: 'big-1.0.tar.xz', received: 0, total: 20_000_000, time: t(-900) },
    { type: 'download-progress', file: 'big-1.0.tar.xz', received: 10_000_000, total: 20_000_000, time: t(-500) },
    { type: 'download-progress', file: 'big-1.0.tar.xz', received: 20_000_000, total: 20_000_000, time: t(-100) },
    { type: 'source-fetched', recipe: 'big', file: 'big-1.0.tar.xz', origin: 'url', from: 'https://example.org/big-1.0.tar.xz', time: t(-100) },
    { type: 'run-start', total: 6, jobs: 2, goals: [id('app@host'), id('data@host'), id('after@host')], time: t(0) },
    { type: 'node-fresh', id: id('base@host'), time: t(5) },
    { type: 'node-start', id: id('lib@host'), reasons: [{ kind: 'never-built' }], slot: 0, time: t(10) },
    { type: 'phase-start', id: id('lib@host'), phase: 'build', time: t(12) },
    { type: 'node-start', id: id('broken@host'), reasons: [{ kind: 'never-built' }], slot: 1, time: t(15) },
    { type: 'phase-start', id: id('broken@host'), phase: 'build', time: t(16) },
    { type: 'phase-end', id: id('broken@host'), phase: 'build', durationMs: 284, time: t(300) },
    {
      type: 'node-failed',
      id: id('broken@host'),
      phase: 'build',
      message: 'The build phase of broken@host failed: `exit 3` exited with status 3.',
      logFile: '/b/log/host/broken/build.log',
      tail: ['$ exit 3'],
      slot: 1,
      time: t(301),
    },
    { type: 'node-skipped', id: id('after@host'), blockedBy: id('broken@host'), time: t(302) },
    { type: 'node-restored', id: id('data@host'), from: 'local', durationMs: 40, slot: 1, time: t(350) },
    { type: 'phase-end', id: id('lib@host'), phase: 'build', durationMs: 988, time: t(1000) },
    { type: 'phase-start', id: id('lib@host'), phase: 'install', time: t(1001) },
    { type: 'phase-end', id: id('lib@host'), phase: 'install', durationMs: 99, time: t(1100) },
    { type: 'node-done', id: id('lib@host'), durationMs: 1090, outputChanged: true, slot: 0, time: t(1100) },
    { type: 'node-start', id: id('app@host'), reasons: [{ kind: 'dependency-pending', deps: ['lib@host'] }], slot: 0, time: t(1105) },
    { type: 'phase-start', id: id('app@host'), phase: 'build', time: t(1106) },
    { type: 'phase-end', id: id('app@host'), phase: 'build', durationMs: 494, time: t(1600) },
    { type: 'node-done', id: id('app@host'), durationMs: 495, outputChanged: false, slot: 0, time: t(1600) },
    { type: 'run-end', ok: false, interrupted: false, counts: { ...syntheticCounts }, durationMs: 1600, time: t(1601) },
  ];
}
