/** `rootfs-engine why <node>`: the decision for one node, with before/after values. */
import { planGraph } from '../build.ts';
import { EngineError } from '../errors.ts';
import { describeReason, detailReason } from '../rebuild/reasons.ts';
import { openSession, resolveGoals, type GlobalOptions } from './session.ts';

export async function whyCommand(node: string, options: GlobalOptions): Promise<number> {
  const session = await openSession(options);
  const resolved = await resolveGoals(session, [node]);
  const id = resolved.goals[0];
  if (id === undefined) throw new EngineError('UNKNOWN_NODE', `"${node}" names no node.`);
  const entries = await planGraph(resolved, session.context);
  const byId = new Map(entries.map((e) => [e.id, e]));
  const entry = byId.get(id)!;
  const record = entry.evaluation.record;
  if (entry.fresh) {
    process.stdout.write(`${id} is up to date: its key ${entry.evaluation.key} equals the key of its last build (${record?.finishedAt}).\n`);
    return 0;
  }
  process.stdout.write(`${id} will build:\n`);
  for (const reason of entry.reasons) {
    process.stdout.write(`- ${describeReason(reason)}\n`);
    for (const line of detailReason(reason)) process.stdout.write(`${line}\n`);
    if (reason.kind === 'dependency-pending') {
      for (const dep of reason.deps) {
        const depEntry = byId.get(dep as typeof id);
        if (depEntry) process.stdout.write(`  ${dep}: ${depEntry.reasons.map(describeReason).join('; ')}\n`);
      }
    }
  }
  if (record) process.stdout.write(`Last built ${record.finishedAt} with key ${record.key}; new key ${entry.evaluation.key ?? '(known once its dependencies are built)'}.\n`);
  return 0;
}
