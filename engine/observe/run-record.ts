/**
 * The record of the last run, kept in the build root for `report` and `log --follow`:
 *
 *   runs/last.ndjson      every event of the run as it happens, one per line, in the
 *                         NDJSON progress schema (docs/progress.md). A new run
 *                         atomically replaces it at start (an empty file renamed over
 *                         the old one), then appends; a killed run leaves the events
 *                         up to its death, without run-end.
 *   runs/last.graph.json  the run's goals and each node's dependencies, written at
 *                         start: the report draws the dependency graph and computes
 *                         the critical path from it.
 *
 * Download progress events are left out: they are many, and of no use afterwards.
 */
import { closeSync, openSync, promises as fs, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { EngineEvent } from '../events.ts';
import type { NodeId } from '../graph/node-id.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { eventFromJsonLine, eventToJsonLine } from '../progress/json.ts';

export interface RunGraph {
  goals: NodeId[];
  /** node -> its dependencies */
  deps: Record<string, NodeId[]>;
}

export const LAST_EVENTS = 'last.ndjson';
export const LAST_GRAPH = 'last.graph.json';

export class RunRecorder {
  private fd: number | undefined;

  private constructor(
    readonly file: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  static async start(runsDir: string, graph: RunGraph): Promise<RunRecorder> {
    await fs.mkdir(runsDir, { recursive: true });
    await writeFileAtomic(path.join(runsDir, LAST_GRAPH), JSON.stringify(graph));
    const file = path.join(runsDir, LAST_EVENTS);
    const temp = path.join(runsDir, `.${LAST_EVENTS}.${process.pid}`);
    const fd = openSync(temp, 'w');
    renameSync(temp, file);
    return new RunRecorder(file, fd);
  }

  readonly onEvent = (event: EngineEvent): void => {
    if (this.fd === undefined || event.type === 'download-progress') return;
    try {
      writeSync(this.fd, eventToJsonLine(event) + '\n');
    } catch {
      // A full disk must not fail the build; the record just ends early.
      this.close();
    }
  };

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface LastRun {
  events: EngineEvent[];
  graph: RunGraph | undefined;
  file: string;
}

/** The recorded last run of a build root, or undefined when there is none. */
export async function readLastRun(runsDir: string): Promise<LastRun | undefined> {
  const file = path.join(runsDir, LAST_EVENTS);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const events = text.split('\n').map(eventFromJsonLine).filter((e): e is EngineEvent => e !== undefined);
  const graph = await fs
    .readFile(path.join(runsDir, LAST_GRAPH), 'utf8')
    .then((t) => JSON.parse(t) as RunGraph)
    .catch(() => undefined);
  return { events, graph, file };
}
