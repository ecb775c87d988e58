/**
 * NDJSON progress: one event per line, exactly the engine's event union plus a
 * schema version `v` (docs/progress.md documents every type). Readers must ignore
 * fields and event types they do not know; `v` changes only when an existing
 * field changes meaning or disappears.
 */
import type { EngineEvent } from '../events.ts';

export const PROGRESS_SCHEMA_VERSION = 1;

export function eventToJsonLine(event: EngineEvent): string {
  return JSON.stringify({ v: PROGRESS_SCHEMA_VERSION, ...event });
}

/** Parse one NDJSON line back into an event (for `report`); undefined for lines that are not one. */
export function eventFromJsonLine(line: string): EngineEvent | undefined {
  if (line.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(line) as { v?: unknown; type?: unknown };
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.type !== 'string' || typeof parsed.v !== 'number') return undefined;
    const { v: _version, ...event } = parsed;
    return event as EngineEvent;
  } catch {
    return undefined;
  }
}

export function jsonReporter(write: (line: string) => void): (event: EngineEvent) => void {
  return (event) => write(eventToJsonLine(event));
}
