/** `rootfs-engine why <node>`: the decision for one node, with before/after values. */
import { planGraph, type BuildContext } from '../build.ts';
import { acNameOf, parseEntry } from '../cache/entry.ts';
import { EngineError } from '../errors.ts';
import type { ResolvedNode } from '../graph/resolve.ts';
import type { NodeId } from '../graph/node-id.ts';
import { keyInputs } from '../rebuild/key.ts';
import { describeReason, detailReason, diffInputs, type NotFreshReason } from '../rebuild/reasons.ts';
import type { OutputHash } from '../store/manifest.ts';
import type { NodeKey, NodeRecord } from '../store/state.ts';
import { openCache, openSession, resolveGoals, type GlobalOptions, type Session } from './session.ts';

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
  const write = (reason: NotFreshReason): void => {
    process.stdout.write(`- ${describeReason(reason)}\n`);
    for (const line of detailReason(reason)) process.stdout.write(`${line}\n`);
  };
  process.stdout.write(`${id} will build:\n`);
  for (const reason of entry.reasons) {
    write(reason);
    if (reason.kind === 'dependency-pending') {
      for (const dep of reason.deps) {
        const depEntry = byId.get(dep as typeof id);
        if (depEntry) process.stdout.write(`  ${dep}: ${depEntry.reasons.map(describeReason).join('; ')}\n`);
      }
    }
  }
  // With a dependency still to rebuild, the key is not known yet; the node's own
  // inputs can still be compared, taking the dependencies' outputs as last recorded.
  if (record && entry.reasons.some((r) => r.kind === 'dependency-pending')) {
    const own = await ownChanges(session.context, resolved.nodes.get(id)!, record, new Map(entries.filter((e) => e.fresh && e.evaluation.record).map((e) => [e.id, e.evaluation.record!.outputHash])));
    if (own.length > 0) {
      process.stdout.write(`Its own inputs changed too:\n`);
      for (const reason of own) write(reason);
    }
  }
  if (record) process.stdout.write(`Last built ${record.finishedAt} with key ${record.key}; new key ${entry.evaluation.key ?? '(known once its dependencies are built)'}.\n`);
  if (entry.evaluation.key) process.stdout.write(`${await cacheStatus(session, entry.evaluation.key)}\n`);
  return 0;
}

async function ownChanges(context: BuildContext, node: ResolvedNode, record: NodeRecord, fresh: ReadonlyMap<NodeId, OutputHash>): Promise<NotFreshReason[]> {
  const depOutputs = new Map<NodeId, OutputHash>();
  for (const dep of node.deps) {
    const output = fresh.get(dep) ?? (record.inputs[`dep.${dep}`] as OutputHash | undefined);
    if (output === undefined) return [];
    depOutputs.set(dep, output);
  }
  const source = await context.sources.get(node.recipe);
  const inputs = keyInputs(node, { depOutputs, sourceInputs: source.inputs, toolchain: await context.toolchainOf(node) });
  return diffInputs(record.inputs, inputs, { before: record.sourceFiles, after: source.files });
}

/** Whether `run` would restore the node from the local artifact cache (the remote is not asked). */
async function cacheStatus(session: Session, key: NodeKey): Promise<string> {
  const cache = openCache(session);
  if (!cache) return 'The artifact cache is off (--no-cache): run builds it.';
  const text = await cache.local.readEntryText(acNameOf(key)).catch(() => undefined);
  const entry = text === undefined ? undefined : parseEntry(text, key);
  if (entry !== undefined && typeof entry !== 'string') {
    return `The artifact cache ${cache.local.dir} has a build of this key (from ${entry.createdAt}): run restores it instead of building.`;
  }
  return `The local artifact cache ${cache.local.dir} has no build of this key${cache.remote ? ` (the remote cache ${cache.remote.shown} is asked at run time)` : ''}.`;
}
