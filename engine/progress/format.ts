/** How progress consumers write durations, sizes, sources and the final line. */
import type { EngineEvent } from '../events.ts';

/** `1.5 s`, `2:05`, `1:02:03`: short durations for humans. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** `12.3 MB` (decimal megabytes, as download sizes are usually quoted). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** The final line every human-facing consumer prints. */
export function summaryLine(event: Extract<EngineEvent, { type: 'run-end' }>): string {
  const c = event.counts;
  const restored = c.restored ?? 0;
  return (
    `${event.ok ? 'Done' : event.interrupted ? 'Interrupted' : 'Failed'} in ${(event.durationMs / 1000).toFixed(1)} s: ` +
    `${c.built} built${restored ? `, ${restored} restored` : ''}, ${c.fresh} up to date, ${c.failed} failed, ${c.skipped} skipped${c.cancelled ? `, ${c.cancelled} cancelled` : ''}`
  );
}

export function describeOrigin(event: Extract<EngineEvent, { type: 'source-fetched' }>): string {
  switch (event.origin) {
    case 'distfiles':
      return 'already present';
    case 'apt':
      return `from Debian's archive${event.from ? ` (${event.from})` : ''}`;
    default:
      return `from ${event.from ?? event.origin}`;
  }
}
