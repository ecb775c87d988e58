/** `rootfs-engine run <goal...>`: build the goals; --dry-run prints the plan instead. */
import path from 'node:path';
import { buildGraph, defaultJobs, planGraph } from '../build.ts';
import { EngineError } from '../errors.ts';
import type { EngineEvent } from '../events.ts';
import { killAllGroups } from '../exec/process.ts';
import type { ResolvedGraph } from '../graph/resolve.ts';
import type { NodeId } from '../graph/node-id.ts';
import { RunRecorder } from '../observe/run-record.ts';
import { TraceWriter } from '../observe/trace.ts';
import { createProgress, effectiveMode, parseProgressMode } from '../progress/choose.ts';
import { EtaEstimator } from '../progress/eta.ts';
import { acquireLock } from '../store/lock.ts';
import { openCache, openSession, resolveGoals, type GlobalOptions, type Session } from './session.ts';
import { printPlan } from './plan.ts';
import { checkOffline, fetchAll } from './fetch.ts';
import { parsePressureLimits, type PressureLimits } from '../schedule/pressure.ts';

export interface RunOptions extends GlobalOptions {
  jobs?: string;
  maxHeavy?: string;
  maxPressure?: string;
  /** commander's --no-jobserver */
  jobserver?: boolean;
  keepGoing?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  progress?: string;
  trace?: string;
  /** `check`: the goals' own test suites run too (their check phase). */
  check?: boolean;
}

export function parseJobs(value: string | undefined): number {
  if (value === undefined) return defaultJobs();
  const jobs = Number(value);
  if (!Number.isInteger(jobs) || jobs < 1) throw new EngineError('USAGE', `--jobs wants a whole number of at least 1, not "${value}".`);
  return jobs;
}

/**
 * Before `check` builds anything: every goal has a test suite, and its place's
 * programs can run on this machine (a test suite runs what it builds).
 */
async function assertCheckable(resolved: ResolvedGraph): Promise<void> {
  for (const id of new Set(resolved.goals)) {
    const node = resolved.nodes.get(id)!;
    if (node.phases.check.length === 0) {
      throw new EngineError(
        'NO_TEST_SUITE',
        `${id} has no test suite to run: its recipe (${node.recipe.file}) has no check phase. \`rootfs-engine list\` marks the recipes that have one; add \`phases.check\` to a recipe to give it one.`,
      );
    }
    const why = await node.place.definition.canRunPrograms?.();
    if (why) throw new EngineError('MISSING_TOOL', why);
  }
}

/** The dependency map of a resolved graph. */
export function depsOf(resolved: ResolvedGraph): Map<NodeId, NodeId[]> {
  return new Map([...resolved.nodes].map(([id, node]) => [id, node.deps]));
}

/** Expected durations for the ETA: 0 for nodes the plan knows are fresh, the last build's time otherwise. */
async function estimator(session: Session, resolved: ResolvedGraph): Promise<EtaEstimator> {
  const expected = new Map<NodeId, number>();
  let measured = false;
  for (const entry of await planGraph(resolved, session.context)) {
    const record = entry.evaluation.record;
    if (entry.fresh) expected.set(entry.id, 0);
    else if (record) expected.set(entry.id, record.durationMs);
    if (record) measured = true;
  }
  return new EtaEstimator(depsOf(resolved), expected, measured);
}

const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** The command that prints a node's log again, with the options that find the same build root. */
export function logCommandLine(options: GlobalOptions, id: string, phase: string): string {
  const words = ['rootfs-engine'];
  if (options.config) words.push('-C', path.resolve(options.config));
  if (options.buildDir) words.push('-B', path.resolve(options.buildDir));
  words.push('log', id, phase);
  return words.map(shellWord).join(' ');
}

function parseMaxHeavy(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new EngineError('USAGE', `--max-heavy wants a whole number of at least 1, not "${value}".`);
  return count;
}

function parseMaxPressure(value: string | undefined): PressureLimits | undefined {
  if (value === undefined) return undefined;
  const limits = parsePressureLimits(value);
  if (typeof limits === 'string') throw new EngineError('USAGE', `--max-pressure: ${limits}.`);
  return limits;
}

export async function runCommand(goals: string[], options: RunOptions): Promise<number> {
  const jobs = parseJobs(options.jobs);
  const progressMode = parseProgressMode(options.progress);
  if (options.quiet && options.verbose) throw new EngineError('USAGE', '--quiet and --verbose contradict each other: choose one.');
  const maxHeavy = parseMaxHeavy(options.maxHeavy);
  const maxPressure = parseMaxPressure(options.maxPressure);
  const session = await openSession(options);
  const resolved = await resolveGoals(session, goals);
  if (options.check) await assertCheckable(resolved);
  if (options.dryRun) return printPlan(session, resolved);
  if (options.offline) await checkOffline(session, resolved);

  const lock = await acquireLock(session.layout.stateDir);
  const recorder = await RunRecorder.start(session.layout.runsDir, {
    goals: resolved.goals,
    deps: Object.fromEntries(depsOf(resolved)),
  });
  const trace = options.trace ? new TraceWriter(options.trace) : undefined;
  const tty = effectiveMode(progressMode, process.env, process.stdout.isTTY) === 'tty' && !options.quiet;
  let progress = createProgress({ mode: progressMode, verbose: options.verbose, quiet: options.quiet, env: process.env, stdout: process.stdout });
  const emit = (event: EngineEvent): void => {
    progress.onEvent(event);
    recorder.onEvent(event);
    trace?.onEvent(event);
  };
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts === 1) {
      progress.clear();
      process.stderr.write(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping the running builds (press Ctrl-C again to kill them at once)...\n`);
      controller.abort();
      return;
    }
    progress.close();
    killAllGroups('SIGKILL');
    lock.releaseSync();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Sources first (Buildroot's `make source`): keys then name the tarball really used.
    if (!options.offline) {
      await fetchAll(
        session,
        resolved,
        (_line, { recipe, fetched }) =>
          emit({
            type: 'source-fetched',
            recipe,
            file: path.basename(fetched.file),
            origin: fetched.origin,
            from: fetched.url ?? (fetched.debian ? `${fetched.debian.package} ${fetched.debian.version}${fetched.debian.repacked ? ', repacked' : ''}` : undefined),
            time: Date.now(),
          }),
        (download) => emit({ type: 'download-progress', ...download, time: Date.now() }),
      );
    }
    // The live view shows an ETA; the plain and JSON outputs do not need the extra planning pass.
    if (tty) {
      const eta = await estimator(session, resolved);
      progress.close();
      progress = createProgress({ mode: 'tty', verbose: options.verbose, env: process.env, stdout: process.stdout, eta });
    }
    const result = await buildGraph(resolved, session.context, {
      layout: session.layout,
      jobs,
      maxHeavy,
      maxPressure,
      jobserver: options.jobserver !== false,
      keepGoing: options.keepGoing === true,
      signal: controller.signal,
      onEvent: emit,
      sourceOptions: {
        distfilesDir: session.distfilesDir,
        mirrors: session.config.mirrors ?? [],
        offline: options.offline === true,
        allowHttp: options.allowHttp === true,
      },
      cache: openCache(session),
      check: options.check ? new Set(resolved.goals) : undefined,
    });
    progress.close();
    if (trace) {
      await trace.close().then(
        () => options.verbose && progress.mode !== 'json' && process.stdout.write(`Trace written to ${path.resolve(trace.file)}\n`),
        (error: unknown) => process.stderr.write(`Could not write the trace to ${path.resolve(trace.file)}: ${(error as Error).message}. The build itself is not affected.\n`),
      );
    }
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
      if (failure.logFile) process.stderr.write(`The whole log: ${logCommandLine(options, failure.id, failure.phase)}\n`);
    }
    if (!result.ok) {
      process.stderr.write(`\n${result.failures.length} node${result.failures.length === 1 ? '' : 's'} failed: ${result.failures.map((f) => f.id).join(', ')}.\n`);
      return 1;
    }
    if (options.check && progress.mode !== 'json') {
      for (const id of new Set(resolved.goals)) {
        const [place, recipe] = [resolved.nodes.get(id)!.place.name, resolved.nodes.get(id)!.recipe.name];
        process.stdout.write(`The test suite of ${id} passed (log: ${session.layout.logFile(place, recipe, 'check')}).\n`);
      }
    }
    return 0;
  } finally {
    progress.close();
    recorder.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await lock.release();
  }
}
