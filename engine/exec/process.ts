/**
 * Running one phase command. Every child gets its own process group so that a
 * cancel (Ctrl-C, timeout, watch restart) kills the whole tree it started (make,
 * the compilers under it...), not only the shell. stdout and stderr both go to
 * the phase's log file.
 */
import { execa } from 'execa';
import type { Command } from '../recipe.ts';

export interface RunCommandOptions {
  command: Command;
  cwd: string;
  env: Record<string, string>;
  /** An open file descriptor to write stdout and stderr to. */
  logFd: number;
  timeoutMs?: number;
  signal: AbortSignal;
  /** Open fds the command inherits as fds 3, 4, ... (the jobserver pipe). */
  inheritFds?: readonly number[];
}

export type CommandOutcome =
  | { kind: 'ok' }
  | { kind: 'failed'; exitCode: number | undefined; signal: string | undefined }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'cancelled' }
  | { kind: 'spawn-error'; message: string };

const GRACE_MS = 3000;

/** Process groups currently running, so an emergency exit can kill them all. */
const liveGroups = new Set<number>();

export function killAllGroups(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // Already gone.
    }
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

export async function runCommand(options: RunCommandOptions): Promise<CommandOutcome> {
  const { command, cwd, env, logFd, signal } = options;
  if (signal.aborted) return { kind: 'cancelled' };
  const [file, args] = typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0] ?? '', [...command.slice(1)]];
  // execa accepts a raw file descriptor at run time; its typings only list some.
  const logTarget = logFd as unknown as 'inherit';
  const child = execa(file, args, {
    cwd,
    env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    reject: false,
    stdio: ['ignore', logTarget, logTarget, ...((options.inheritFds ?? []) as unknown as 'inherit'[])],
  });
  const pgid = child.pid;
  if (pgid !== undefined) liveGroups.add(pgid);
  let timedOut = false;
  let cancelled = false;
  const stop = (): void => {
    if (pgid === undefined) return;
    killGroup(pgid, 'SIGTERM');
    setTimeout(() => killGroup(pgid, 'SIGKILL'), GRACE_MS).unref();
  };
  const onAbort = (): void => {
    cancelled = true;
    stop();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const timer =
    options.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          stop();
        }, options.timeoutMs)
      : undefined;
  try {
    const result = await child;
    if (timedOut) return { kind: 'timeout', timeoutMs: options.timeoutMs ?? 0 };
    if (cancelled) return { kind: 'cancelled' };
    if (result.failed) {
      if (result.exitCode === undefined && result.signal === undefined) {
        return { kind: 'spawn-error', message: result.shortMessage ?? result.message ?? 'unknown error' };
      }
      return { kind: 'failed', exitCode: result.exitCode, signal: result.signal };
    }
    return { kind: 'ok' };
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    if (pgid !== undefined) {
      // Reap leftovers (background jobs a command forgot) before the next phase.
      killGroup(pgid, 'SIGKILL');
      liveGroups.delete(pgid);
    }
  }
}
