/**
 * The live terminal view of a run (ninja/Shake style): finished nodes scroll by as
 * ordinary lines, and below them a block of a few lines is redrawn in place: done
 * of total, how many were built, restored or up to date, elapsed time and an ETA,
 * then each running node with its phase and how long it has been running.
 *
 * Redrawing without flicker: a frame is composed as one string and written with a
 * single write; it erases exactly the lines the previous frame drew (cursor up and
 * erase-line, one line at a time, never the rest of the screen); lines are cut to
 * the terminal width so none wraps (a wrapped line would make the count wrong);
 * redraws are throttled to 10 a second, and an identical frame is not written.
 * A one-second timer keeps elapsed times moving while no event arrives; it is
 * cleared at the end of the run (or by close()) so it never keeps the process
 * alive. At the end the block gives way to the summary line, and whatever the
 * caller prints next (the failure explanation) follows it.
 */
import type { EngineEvent } from '../events.ts';
import { describeReason } from '../rebuild/reasons.ts';
import type { EtaEstimator } from './eta.ts';
import { describeOrigin, formatBytes, formatDuration, summaryLine } from './format.ts';
import { RunTally } from './tally.ts';

/** What the renderer needs of a terminal; tests pass a recorder. */
export interface Terminal {
  write(text: string): void;
  readonly columns?: number;
  readonly rows?: number;
}

export interface TtyOptions {
  color: boolean;
  verbose: boolean;
  eta?: EtaEstimator;
}

const FRAME_INTERVAL_MS = 100;
const TICK_MS = 1000;
const ESC = '\x1b[';

type Style = 'green' | 'red' | 'yellow' | 'cyan' | 'dim' | 'bold';
const STYLES: Record<Style, string> = { green: '32', red: '1;31', yellow: '33', cyan: '36', dim: '2', bold: '1' };

export class TtyProgress {
  readonly tally = new RunTally();
  private drawn = 0;
  private lastFrame = '';
  private lastDrawAt = 0;
  private pending: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly terminal: Terminal,
    private readonly options: TtyOptions,
  ) {}

  readonly onEvent = (event: EngineEvent): void => {
    if (this.closed) return;
    this.tally.apply(event);
    const line = this.lineFor(event);
    if (event.type === 'run-end') {
      this.stopTimers();
      this.terminal.write(this.erase() + (line ?? '') + '\n');
      this.closed = true;
      return;
    }
    if (event.type === 'run-start' || event.type === 'download-progress') this.startTicker();
    if (line !== undefined) this.print(line);
    else this.requestFrame();
  };

  /** Erase the live block (before someone else writes to the terminal); the next event redraws it. */
  clear(): void {
    if (this.drawn > 0) this.terminal.write(this.erase());
    this.lastFrame = '';
  }

  /** Stop the timers and leave the terminal clean, also when the run never ended. */
  close(): void {
    if (this.closed) return;
    this.stopTimers();
    this.clear();
    this.closed = true;
  }

  private startTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.requestFrame(), TICK_MS);
    this.ticker.unref();
  }

  private stopTimers(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.pending) clearTimeout(this.pending);
    this.ticker = undefined;
    this.pending = undefined;
  }

  private paint(text: string, style: Style): string {
    return this.options.color ? `${ESC}${STYLES[style]}m${text}${ESC}0m` : text;
  }

  private fit(text: string): string {
    // A pty without a size (script, some CI runners) says 0 columns: assume 80.
    const columns = this.terminal.columns && this.terminal.columns > 0 ? this.terminal.columns : 80;
    const width = Math.max(20, columns - 1);
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  }

  /** A permanent line for the events worth keeping in the scrollback. */
  private lineFor(event: EngineEvent): string | undefined {
    const t = this.tally;
    const progress = `[${t.done}/${t.total}]`;
    switch (event.type) {
      case 'run-start':
        return `Building ${event.total} node${event.total === 1 ? '' : 's'} with ${event.jobs} job${event.jobs === 1 ? '' : 's'}`;
      case 'node-fresh':
        return this.options.verbose ? this.paint(`${progress} up to date  ${event.id}`, 'dim') : undefined;
      case 'node-start':
        return this.options.verbose ? `${progress} build ${event.id}: ${event.reasons.map(describeReason).join('; ')}` : undefined;
      case 'phase-start':
        return this.options.verbose ? this.paint(`        ${event.id} ${event.phase}`, 'dim') : undefined;
      case 'phase-end':
        return undefined;
      case 'node-done':
        return `${progress} ${this.paint('done', 'green')}  ${event.id} (${formatDuration(event.durationMs)}${event.outputChanged ? '' : ', output unchanged'})`;
      case 'node-restored':
        return `${progress} ${this.paint('restored', 'cyan')}  ${event.id} (from the ${event.from} cache, ${formatDuration(event.durationMs)})`;
      case 'node-failed':
        return `${progress} ${this.paint('FAILED', 'red')} ${event.id} (${event.phase})`;
      case 'node-skipped':
        return this.paint(`        skip  ${event.id} (needs ${event.blockedBy}, which did not build)`, 'yellow');
      case 'node-cancelled':
        return this.paint(`        cancelled ${event.id}`, 'yellow');
      case 'download-progress':
        return undefined;
      case 'source-fetched':
        return event.origin === 'distfiles' && !this.options.verbose ? undefined : `fetch ${event.recipe.padEnd(22)} ${event.file}  ${describeOrigin(event)}`;
      case 'run-end':
        return this.paint(summaryLine(event), event.ok ? 'bold' : 'red');
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
  }

  private print(line: string): void {
    const frame = this.frame();
    this.terminal.write(this.erase() + line + '\n' + frame);
    this.remember(frame);
  }

  private requestFrame(): void {
    if (this.pending) return;
    const wait = this.lastDrawAt + FRAME_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.draw();
      return;
    }
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.draw();
    }, wait);
    this.pending.unref();
  }

  private draw(): void {
    if (this.closed) return;
    const frame = this.frame();
    if (frame === this.lastFrame) return;
    this.terminal.write(this.erase() + frame);
    this.remember(frame);
  }

  private remember(frame: string): void {
    this.lastFrame = frame;
    this.drawn = frame === '' ? 0 : frame.split('\n').length - 1;
    this.lastDrawAt = Date.now();
  }

  /** Cursor up and erase, once per line the last frame drew: nothing else on screen is touched. */
  private erase(): string {
    let out = '';
    for (let i = 0; i < this.drawn; i += 1) out += `${ESC}1A\r${ESC}2K`;
    this.drawn = 0;
    this.lastFrame = '';
    return out;
  }

  /** The live block, each line ending in a newline ('' when there is nothing to show). */
  private frame(): string {
    const t = this.tally;
    const now = Date.now();
    const lines: string[] = [];
    for (const download of t.downloads.values()) {
      const share = download.total ? ` (${Math.floor((download.received / download.total) * 100)}%)` : '';
      const of = download.total ? ` of ${formatBytes(download.total)}` : '';
      lines.push(this.fit(`fetch ${download.file}  ${formatBytes(download.received)}${of}${share}`));
    }
    if (t.startedAt !== undefined) {
      const parts = [`[${t.done}/${t.total}]`, `${t.built} built`];
      if (t.restored > 0) parts.push(`${t.restored} restored`);
      parts.push(`${t.fresh} up to date`);
      if (t.failed > 0) parts.push(`${t.failed} failed`);
      parts.push(formatDuration(now - t.startedAt));
      const eta = this.options.eta?.remainingMs(t, now);
      if (eta !== undefined && t.running.size > 0) parts.push(`ETA ~${formatDuration(eta)}`);
      lines.push(this.paint(this.fit(parts.join(' · ')), 'bold'));
      const room = Math.max(1, (this.terminal.rows && this.terminal.rows > 0 ? this.terminal.rows : 24) - 4);
      const running = [...t.running.values()];
      const width = Math.max(0, ...running.map((r) => r.id.length));
      for (const node of running.slice(0, room)) {
        const phase = (node.phase ?? 'setup').padEnd(9);
        lines.push(this.fit(`  ${node.id.padEnd(width)}  ${phase}  ${formatDuration(now - node.startedAt)}`));
      }
      if (running.length > room) lines.push(this.fit(`  ... and ${running.length - room} more`));
    }
    return lines.length === 0 ? '' : lines.join('\n') + '\n';
  }
}
