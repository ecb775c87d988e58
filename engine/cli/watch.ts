/**
 * `rootfs-engine watch <goal...>`: build the goals, then rebuild what each edit
 * affects until Ctrl-C (see watch/session.ts and docs/watch.md).
 */
import path from 'node:path';
import { EngineError } from '../errors.ts';
import { killAllGroups } from '../exec/process.ts';
import { findConfig } from '../config/load.ts';
import { initHashing } from '../hash.ts';
import { Layout } from '../layout.ts';
import { acquireLock } from '../store/lock.ts';
import { StateStore } from '../store/state.ts';
import { BuildContext } from '../build.ts';
import { loadFreshConfig } from '../watch/fresh-config.ts';
import { WatchSession } from '../watch/session.ts';
import { fetchAll } from './fetch.ts';
import { plainReporter } from './reporter.ts';
import { parseJobs, type RunOptions } from './run.ts';
import type { GlobalOptions } from './session.ts';

export interface WatchCommandOptions extends RunOptions {
  debounce?: string;
}

export function parseDebounce(value: string | undefined): number {
  if (value === undefined) return 250;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new EngineError('USAGE', `--debounce wants a whole number of milliseconds, not "${value}".`);
  return ms;
}

/** The build root of a config, as `openSession` finds it (the config names its buildDir). */
async function buildRootOf(configFile: string, options: GlobalOptions, cwd: string): Promise<{ layout: Layout; distfilesDir: string }> {
  const loaded = await loadFreshConfig(configFile, async (config) => config);
  if (!loaded.value) throw loaded.error;
  const root = options.buildDir ? path.resolve(cwd, options.buildDir) : path.resolve(path.dirname(configFile), loaded.value.buildDir ?? 'build');
  const layout = new Layout(root);
  return { layout, distfilesDir: options.distfiles ? path.resolve(cwd, options.distfiles) : layout.srcDir };
}

export async function watchCommand(goals: string[], options: WatchCommandOptions): Promise<number> {
  const jobs = parseJobs(options.jobs);
  const debounceMs = parseDebounce(options.debounce);
  if (options.offline) throw new EngineError('USAGE', 'watch does not take --offline: run `rootfs-engine fetch` first, then watch fetches nothing new.');
  const cwd = process.cwd();
  await initHashing();
  const configFile = await findConfig(options.config, cwd);
  const { layout, distfilesDir } = await buildRootOf(configFile, options, cwd);
  const lock = await acquireLock(layout.stateDir);
  const controller = new AbortController();
  const write = (line: string): void => void process.stdout.write(`${line}\n`);
  const state = new StateStore(layout.stateDir);
  const session = new WatchSession({
    configFile,
    goals,
    target: options.target,
    toolchain: options.toolchain,
    buildType: options.buildType,
    layout,
    distfilesDir,
    state,
    jobs,
    keepGoing: options.keepGoing === true,
    debounceMs,
    allowHttp: options.allowHttp === true,
    signal: controller.signal,
    write,
    reporter: () => plainReporter(write, options.verbose === true),
    beforeBuild: (config, resolved) =>
      fetchAll(
        { config, layout, context: new BuildContext(layout, distfilesDir, state), options, distfilesDir },
        resolved,
        (line) => options.verbose && write(`fetch ${line}`),
      ),
  });

  let stopRequested: (status: number) => void = () => undefined;
  const stopped = new Promise<number>((resolve) => {
    stopRequested = resolve;
  });
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts === 1) {
      const building = session.building;
      process.stderr.write(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: ${building ? 'stopping the running builds (press Ctrl-C again to kill them at once)' : 'stopping'}...\n`);
      controller.abort();
      stopRequested(building ? 130 : 0);
      return;
    }
    killAllGroups('SIGKILL');
    lock.releaseSync();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await Promise.race([session.start(), stopped]);
    const status = await stopped;
    await session.close();
    if (status === 130) process.stderr.write('Interrupted. Finished nodes are kept; the next run or watch redoes only what did not finish.\n');
    return status;
  } catch (error) {
    controller.abort();
    await session.close();
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await lock.release();
  }
}
