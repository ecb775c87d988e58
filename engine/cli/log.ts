/**
 * `rootfs-engine log <node> [phase] [--follow]`: print a node's logs (one file per
 * phase under log/<place>/<recipe>/). Without a phase, every phase that has a log,
 * in phase order, each under a header. --follow keeps printing as the files grow,
 * moving on to the next phase's log when it appears, until the node's run ends:
 * the last run's record (runs/last.ndjson) says when the node finished, and a
 * build root without a live engine process has nothing left to follow.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { closest } from 'fastest-levenshtein';
import { EngineError } from '../errors.ts';
import { defaultPlaceOf } from '../graph/resolve.ts';
import { nodeId, parseNodeRef, type NodeId } from '../graph/node-id.ts';
import { readLastRun } from '../observe/run-record.ts';
import { PHASES } from '../recipe.ts';
import { lockHolder } from '../store/lock.ts';
import type { Layout } from '../layout.ts';
import { openSession, type GlobalOptions } from './session.ts';

export interface LogOptions extends GlobalOptions {
  follow?: boolean;
}

export interface LogOutput {
  write(text: string): void;
}

const POLL_MS = 200;

/** Every node of the build root that has a log directory. */
async function nodesWithLogs(layout: Layout): Promise<NodeId[]> {
  const root = path.join(layout.root, 'log');
  const out: NodeId[] = [];
  for (const place of await fs.readdir(root).catch(() => [] as string[])) {
    for (const recipe of await fs.readdir(path.join(root, place)).catch(() => [] as string[])) out.push(nodeId(recipe, place));
  }
  return out.sort();
}

/** Whether the node still has work ahead in a run going on now. */
async function runningNow(layout: Layout, id: NodeId): Promise<boolean> {
  if ((await lockHolder(layout.stateDir)) === undefined) return false;
  const last = await readLastRun(layout.runsDir);
  if (!last) return false;
  if (last.graph && !(id in last.graph.deps)) return false;
  for (const event of last.events) {
    if (event.type === 'run-end') return false;
    if ('id' in event && event.id === id && ['node-done', 'node-failed', 'node-cancelled', 'node-skipped', 'node-fresh', 'node-restored'].includes(event.type)) return false;
  }
  return true;
}

function unknownNode(ref: string, id: NodeId, layout: Layout, logged: NodeId[], known: boolean): EngineError {
  if (logged.length === 0) {
    return new EngineError('NO_LOG', `No logs for "${ref}": nothing has run in ${layout.root} yet. Logs appear once \`rootfs-engine run\` has built a node.`);
  }
  if (known) {
    // A real recipe that has not run here: name its nodes in other places, if any ran.
    const elsewhere = logged.filter((n) => n.startsWith(`${id.slice(0, id.indexOf('@'))}@`));
    const hint = elsewhere.length > 0 ? ` It has logs as ${elsewhere.join(', ')}.` : ' Its logs appear once `rootfs-engine run` has built it.';
    return new EngineError('NO_LOG', `No logs for "${ref}": ${id} has not run in ${layout.root} yet.${hint}`);
  }
  const names = [...logged, ...new Set(logged.map((n) => n.slice(0, n.indexOf('@'))))];
  const guess = closest(ref, names);
  const suggestion = guess.includes('@') ? guess : logged.find((n) => n.startsWith(`${guess}@`)) ?? guess;
  return new EngineError('UNKNOWN_NODE', `No logs for "${ref}": no node ${id} has run in ${layout.root}. Did you mean "${suggestion}"? (\`rootfs-engine log ${suggestion}\`)`);
}

export async function logCommand(ref: string, phase: string | undefined, options: LogOptions, out: LogOutput = process.stdout): Promise<number> {
  if (phase !== undefined && !(PHASES as readonly string[]).includes(phase)) {
    throw new EngineError('USAGE', `"${phase}" is not a phase. Phases are ${PHASES.join(', ')}.`);
  }
  const session = await openSession(options);
  const { layout, config } = session;
  const { recipe, place } = parseNodeRef(ref, options.target ?? defaultPlaceOf(config));
  const id = nodeId(recipe, place);
  const dir = layout.logDir(place, recipe);
  const exists = await fs.stat(dir).then((s) => s.isDirectory(), () => false);
  const follow = options.follow === true && (await runningNow(layout, id));
  if (!exists && !follow) throw unknownNode(ref, id, layout, await nodesWithLogs(layout), config.recipes.some((r) => r.name === recipe));

  const phases = phase ? [phase] : [...PHASES];
  const fileOf = (p: string): string => layout.logFile(place, recipe, p);
  if (!follow) {
    const present: string[] = [];
    for (const p of phases) if (await fs.access(fileOf(p)).then(() => true, () => false)) present.push(p);
    if (present.length === 0) {
      throw new EngineError('NO_LOG', `${id} has no ${phase ? `${phase} log` : 'logs'} in ${dir}${phase ? ' (that phase did not run, or the recipe has no such phase)' : ''}.`);
    }
    for (const p of present) {
      const text = await fs.readFile(fileOf(p), 'utf8');
      if (!phase) out.write(`==> ${id} ${p} (${fileOf(p)}) <==\n`);
      out.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    }
    return 0;
  }
  await followLogs(id, phases, fileOf, layout, out, phase === undefined);
  return 0;
}

/** Print what each phase log adds, until the node's run is over; then print what is left. */
async function followLogs(id: NodeId, phases: string[], fileOf: (phase: string) => string, layout: Layout, out: LogOutput, headers: boolean): Promise<void> {
  const offsets = new Map<string, number>();
  let current: string | undefined;
  // Logs older than the run being followed belong to an earlier build of the node.
  const runStart = (await readLastRun(layout.runsDir))?.events.find((e) => e.type === 'run-start')?.time ?? 0;
  const drain = async (): Promise<void> => {
    for (const p of phases) {
      const file = fileOf(p);
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat === undefined || stat.mtimeMs < runStart - 1000) continue;
      const size = stat.size;
      let offset = offsets.get(p) ?? 0;
      // A new run truncates the phase's log: start it again from the top.
      if (size < offset) offset = 0;
      if (size === offset) {
        offsets.set(p, offset);
        continue;
      }
      const handle = await fs.open(file, 'r');
      try {
        const buffer = Buffer.alloc(size - offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (headers && current !== p) out.write(`==> ${id} ${p} (${file}) <==\n`);
        current = p;
        out.write(buffer.subarray(0, bytesRead).toString('utf8'));
        offsets.set(p, offset + bytesRead);
      } finally {
        await handle.close();
      }
    }
  };
  for (;;) {
    const running = await runningNow(layout, id);
    await drain();
    if (!running) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
