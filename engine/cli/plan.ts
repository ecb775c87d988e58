/** `rootfs-engine plan <goal...>`: what `run` would do and why, nothing is built. */
import { planGraph } from '../build.ts';
import type { ResolvedGraph } from '../graph/resolve.ts';
import { describeReason } from '../rebuild/reasons.ts';
import { openSession, resolveGoals, type GlobalOptions, type Session } from './session.ts';

export async function printPlan(session: Session, resolved: ResolvedGraph): Promise<number> {
  const entries = await planGraph(resolved, session.context);
  const toRun = entries.filter((e) => !e.fresh);
  const width = Math.max(0, ...entries.map((e) => e.id.length));
  const places = [...new Set(entries.map((e) => resolved.nodes.get(e.id)!.place))];
  const profile = places.map((p) => `${p.name}${p.definition.description ? ` (${p.definition.description})` : ''}`).join(', ');
  process.stdout.write(`Plan: ${toRun.length} of ${entries.length} node${entries.length === 1 ? '' : 's'} to run; places: ${profile}\n`);
  for (const entry of entries) {
    const status = entry.fresh ? 'fresh' : 'run  ';
    const why = entry.fresh ? 'up to date' : entry.reasons.map(describeReason).join('; ');
    process.stdout.write(`  ${status} ${entry.id.padEnd(width)}  ${why}\n`);
  }
  return 0;
}

export async function planCommand(goals: string[], options: GlobalOptions): Promise<number> {
  const session = await openSession(options);
  return printPlan(session, await resolveGoals(session, goals));
}
