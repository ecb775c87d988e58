/**
 * Which progress consumer a run gets (--progress auto|tty|plain|json, --quiet,
 * --verbose, NO_COLOR), behind one small interface.
 */
import { EngineError } from '../errors.ts';
import type { EngineEvent } from '../events.ts';
import { plainReporter } from '../cli/reporter.ts';
import type { EtaEstimator } from './eta.ts';
import { jsonReporter } from './json.ts';
import { TtyProgress, type Terminal } from './tty.ts';

export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'json'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export interface ProgressOutput {
  onEvent(event: EngineEvent): void;
  /** Erase any live display before something else writes to the terminal. */
  clear(): void;
  /** Stop timers; leave the terminal clean. */
  close(): void;
  readonly mode: 'tty' | 'plain' | 'json';
}

export interface ProgressSettings {
  mode?: string;
  verbose?: boolean;
  quiet?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  stdout: Terminal & { readonly isTTY?: boolean };
  eta?: EtaEstimator;
}

export function parseProgressMode(value: string | undefined): ProgressMode {
  const mode = value ?? 'auto';
  if (!(PROGRESS_MODES as readonly string[]).includes(mode)) {
    throw new EngineError('USAGE', `--progress wants one of ${PROGRESS_MODES.join(', ')}, not "${mode}".`);
  }
  return mode as ProgressMode;
}

/** auto: the live view on an interactive terminal, plain lines in CI, pipes and dumb terminals. */
export function effectiveMode(mode: ProgressMode, env: ProgressSettings['env'], isTTY: boolean | undefined): 'tty' | 'plain' | 'json' {
  if (mode !== 'auto') return mode;
  const ci = env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false' && env['CI'] !== '0';
  return isTTY === true && !ci && env['TERM'] !== 'dumb' ? 'tty' : 'plain';
}

/** https://no-color.org: set and not empty means no colour. */
export function colorAllowed(env: ProgressSettings['env']): boolean {
  return env['NO_COLOR'] === undefined || env['NO_COLOR'] === '';
}

export function createProgress(settings: ProgressSettings): ProgressOutput {
  const mode = effectiveMode(parseProgressMode(settings.mode), settings.env, settings.stdout.isTTY);
  const writeLine = (line: string): void => settings.stdout.write(`${line}\n`);
  if (mode === 'json') return { mode, onEvent: jsonReporter(writeLine), clear: () => undefined, close: () => undefined };
  // Quiet means failures and the final line only: nothing live to draw.
  if (mode === 'plain' || settings.quiet) {
    return { mode: 'plain', onEvent: plainReporter(writeLine, { verbose: settings.verbose, quiet: settings.quiet }), clear: () => undefined, close: () => undefined };
  }
  const tty = new TtyProgress(settings.stdout, { color: colorAllowed(settings.env), verbose: settings.verbose === true, eta: settings.eta });
  return { mode, onEvent: tty.onEvent, clear: () => tty.clear(), close: () => tty.close() };
}
