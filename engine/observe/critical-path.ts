/**
 * The critical path of a finished run: the chain of dependencies whose actual
 * durations add up to the most. Speeding up anything off this chain cannot make
 * the run shorter (given enough job slots); it is what the report highlights.
 */
import graphlib from '@dagrejs/graphlib';
import type { NodeId } from '../graph/node-id.ts';

/**
 * @param deps       node -> its dependencies (every node of the run)
 * @param durations  actual wall time per node in this run (absent: 0, e.g. up to date)
 * @returns the chain, first dependency first; empty when nothing took time
 */
export function criticalPath(deps: ReadonlyMap<NodeId, readonly NodeId[]>, durations: ReadonlyMap<NodeId, number>): NodeId[] {
  const graph = new graphlib.Graph({ directed: true });
  for (const id of deps.keys()) graph.setNode(id);
  for (const [id, list] of deps) for (const dep of list) if (deps.has(dep)) graph.setEdge(dep, id);
  const order = graphlib.alg.topsort(graph) as NodeId[];
  const total = new Map<NodeId, number>();
  const via = new Map<NodeId, NodeId | undefined>();
  for (const id of order) {
    let best: NodeId | undefined;
    let bestLength = 0;
    for (const dep of deps.get(id) ?? []) {
      const length = total.get(dep) ?? 0;
      if (length > bestLength) {
        bestLength = length;
        best = dep;
      }
    }
    total.set(id, bestLength + (durations.get(id) ?? 0));
    via.set(id, best);
  }
  let end: NodeId | undefined;
  let longest = 0;
  for (const [id, length] of total) {
    if (length > longest) {
      longest = length;
      end = id;
    }
  }
  const chain: NodeId[] = [];
  for (let id = end; id !== undefined; id = via.get(id)) chain.push(id);
  return chain.reverse().filter((id) => (durations.get(id) ?? 0) > 0);
}
