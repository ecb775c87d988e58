/**
 * The plain reporter: one line per event, for terminals and logs alike (the live
 * terminal view is another consumer of the same events).
 */
import type { EngineEvent } from '../events.ts';
import { describeReason } from '../rebuild/reasons.ts';

export function plainReporter(write: (line: string) => void, verbose = false): (event: EngineEvent) => void {
  let done = 0;
  let total = 0;
  const progress = (): string => `[${done}/${total}]`;
  return (event) => {
    switch (event.type) {
      case 'run-start':
        total = event.total;
        write(`Building ${event.total} node${event.total === 1 ? '' : 's'} with ${event.jobs} job${event.jobs === 1 ? '' : 's'}`);
        break;
      case 'node-fresh':
        done += 1;
        if (verbose) write(`${progress()} up to date  ${event.id}`);
        break;
      case 'node-start':
        write(`${progress()} build ${event.id}: ${event.reasons.map(describeReason).join('; ')}`);
        break;
      case 'phase-start':
        if (verbose) write(`        ${event.id} ${event.phase}`);
        break;
      case 'phase-end':
        break;
      case 'node-done':
        done += 1;
        write(`${progress()} done  ${event.id} (${(event.durationMs / 1000).toFixed(1)} s${event.outputChanged ? '' : ', output unchanged'})`);
        break;
      case 'node-restored':
        done += 1;
        write(`${progress()} restored  ${event.id} (from the ${event.from} cache, ${(event.durationMs / 1000).toFixed(1)} s)`);
        break;
      case 'node-failed':
        done += 1;
        write(`${progress()} FAILED ${event.id} (${event.phase})`);
        break;
      case 'node-skipped':
        write(`        skip  ${event.id} (needs ${event.blockedBy}, which did not build)`);
        break;
      case 'node-cancelled':
        write(`        cancelled ${event.id}`);
        break;
      case 'run-end': {
        const c = event.counts;
        write(
          `${event.ok ? 'Done' : event.interrupted ? 'Interrupted' : 'Failed'} in ${(event.durationMs / 1000).toFixed(1)} s: ` +
            `${c.built} built${c.restored ? `, ${c.restored} restored` : ''}, ${c.fresh} up to date, ${c.failed} failed, ${c.skipped} skipped${c.cancelled ? `, ${c.cancelled} cancelled` : ''}`,
        );
        break;
      }
      default: {
        const unreachable: never = event;
        void unreachable;
      }
    }
  };
}
