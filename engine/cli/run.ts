/** `rootfs-engine run <goal...>`: build the goals; --dry-run prints the plan instead. */
import { buildGraph, defaultJobs } from '../build.ts';
import { EngineError } from '../errors.ts';
import { killAllGroups } from '../exec/process.ts';
import { acquireLock } from '../store/lock.ts';
import { plainReporter } from './reporter.ts';
import { openCache, openSession, resolveGoals, type GlobalOptions } from './session.ts';
import { printPlan } from './plan.ts';
import { checkOffline, fetchAll } from './fetch.ts';

export interface RunOptions extends GlobalOptions {
  jobs?: string;
  keepGoing?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
}

export function parseJobs(value: string | undefined): number {
  if (value === undefined) return defaultJobs();
  const jobs = Number(value);
  if (!Number.isInteger(jobs) || jobs < 1) throw new EngineError('USAGE', `--jobs wants a whole number of at least 1, not "${value}".`);
  return jobs;
}

export async function runCommand(goals: string[], options: RunOptions): Promise<number> {
  const jobs = parseJobs(options.jobs);
  const session = await openSession(options);
  const resolved = await resolveGoals(session, goals);
  if (options.dryRun) return printPlan(session, resolved);
  if (options.offline) await checkOffline(session, resolved);

  const lock = await acquireLock(session.layout.stateDir);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping the running builds (press Ctrl-C again to kill them at once)...\n`);
      controller.abort();
      return;
    }
    killAllGroups('SIGKILL');
    lock.releaseSync();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Sources first (Buildroot's `make source`): keys then name the tarball really used.
    if (!options.offline) await fetchAll(session, resolved, (line) => options.verbose && process.stdout.write(`fetch ${line}\n`));
    const result = await buildGraph(resolved, session.context, {
      layout: session.layout,
      jobs,
      keepGoing: options.keepGoing === true,
      signal: controller.signal,
      onEvent: plainReporter((line) => process.stdout.write(`${line}\n`), options.verbose === true),
      sourceOptions: {
        distfilesDir: session.distfilesDir,
        mirrors: session.config.mirrors ?? [],
        offline: options.offline === true,
        allowHttp: options.allowHttp === true,
      },
      cache: openCache(session),
    });
    if (result.interrupted) {
      process.stderr.write(
        `Interrupted. Finished nodes are kept; the next run redoes only the ${result.counts.cancelled + result.counts.skipped} that did not finish.\n`,
      );
      return 130;
    }
    for (const failure of result.failures) {
      process.stderr.write(`\n${failure.message}\n`);
      if (failure.tail.length > 0) {
        process.stderr.write(`--- last ${failure.tail.length} lines of ${failure.logFile} ---\n${failure.tail.join('\n')}\n---\n`);
      }
    }
    if (!result.ok) {
      process.stderr.write(`\n${result.failures.length} node${result.failures.length === 1 ? '' : 's'} failed: ${result.failures.map((f) => f.id).join(', ')}.\n`);
      return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await lock.release();
  }
}
