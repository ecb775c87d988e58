/**
 * The plain reporter: one line per event, for logs, pipes and CI (the live
 * terminal view and NDJSON are other consumers of the same events). Quiet keeps
 * only failures and the final line.
 */
import type { EngineEvent } from '../events.ts';
import { describeReason } from '../rebuild/reasons.ts';
import { describeOrigin, formatBytes, summaryLine } from '../progress/format.ts';
import { RunTally } from '../progress/tally.ts';

export interface PlainOptions {
  verbose?: boolean;
  quiet?: boolean;
}

/** Downloads at least this large report every quarter, so a long fetch is not silent. */
const REPORTED_DOWNLOAD_BYTES = 8_000_000;

export function plainReporter(write: (line: string) => void, options: PlainOptions | boolean = {}): (event: EngineEvent) => void {
  const { verbose = false, quiet = false } = typeof options === 'boolean' ? { verbose: options } : options;
  const tally = new RunTally();
  const quarters = new Map<string, number>();
  const progress = (): string => `[${tally.done}/${tally.total}]`;
  const say = (line: string): void => {
    if (!quiet) write(line);
  };
  return (event) => {
    tally.apply(event);
    switch (event.type) {
      case 'run-start':
        say(`Building ${event.total} node${event.total === 1 ? '' : 's'} with ${event.jobs} job${event.jobs === 1 ? '' : 's'}`);
        break;
      case 'node-fresh':
        if (verbose) say(`${progress()} up to date  ${event.id}`);
        break;
      case 'node-start':
        say(`${progress()} build ${event.id}: ${event.reasons.map(describeReason).join('; ')}`);
        break;
      case 'phase-start':
        if (verbose) say(`        ${event.id} ${event.phase}`);
        break;
      case 'phase-end':
        break;
      case 'node-done':
        say(`${progress()} done  ${event.id} (${(event.durationMs / 1000).toFixed(1)} s${event.outputChanged ? '' : ', output unchanged'})`);
        break;
      case 'node-restored':
        say(`${progress()} restored  ${event.id} (from the ${event.from} cache, ${(event.durationMs / 1000).toFixed(1)} s)`);
        break;
      case 'node-failed':
        write(`${progress()} FAILED ${event.id} (${event.phase})`);
        break;
      case 'node-skipped':
        say(`        skip  ${event.id} (needs ${event.blockedBy}, which did not build)`);
        break;
      case 'node-cancelled':
        say(`        cancelled ${event.id}`);
        break;
      case 'download-progress': {
        if (event.total === undefined || event.total < REPORTED_DOWNLOAD_BYTES) break;
        const quarter = Math.floor((event.received / event.total) * 4);
        if (quarter <= (quarters.get(event.file) ?? 0)) break;
        quarters.set(event.file, quarter);
        if (quarter < 4) say(`fetch ${event.file}: ${quarter * 25}% of ${formatBytes(event.total)}`);
        break;
      }
      case 'source-fetched':
        if (event.origin !== 'distfiles' || verbose) say(`fetch ${event.recipe.padEnd(22)} ${event.file}  ${describeOrigin(event)}`);
        break;
      case 'run-end':
        write(summaryLine(event));
        break;
      default: {
        const unreachable: never = event;
        void unreachable;
      }
    }
  };
}
