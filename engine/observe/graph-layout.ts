/**
 * A simple layered layout of a dependency graph for drawing: each node's column is
 * the length of its longest chain of dependencies (dependencies to the left), and
 * within a column nodes are ordered by the mean row of their dependencies (one
 * barycentre pass), which keeps most edges short and uncrossed.
 */
import type { NodeId } from '../graph/node-id.ts';

export interface PlacedNode {
  id: NodeId;
  column: number;
  row: number;
}

export function layeredLayout(deps: ReadonlyMap<NodeId, readonly NodeId[]>): { nodes: PlacedNode[]; columns: number; rows: number } {
  const column = new Map<NodeId, number>();
  // Iterative longest-path layering (graphs of thousands of nodes must not overflow the stack).
  for (const root of deps.keys()) {
    if (column.has(root)) continue;
    const stack: Array<[NodeId, boolean]> = [[root, false]];
    const onStack = new Set<NodeId>();
    while (stack.length > 0) {
      const [id, expanded] = stack.pop()!;
      if (column.has(id)) continue;
      const list = (deps.get(id) ?? []).filter((d) => deps.has(d));
      if (!expanded) {
        if (onStack.has(id)) continue; // a cycle cannot be drawn in layers; the run would have refused it
        onStack.add(id);
        stack.push([id, true]);
        for (const dep of list) if (!column.has(dep)) stack.push([dep, false]);
        continue;
      }
      column.set(id, list.length === 0 ? 0 : 1 + Math.max(...list.map((d) => column.get(d) ?? 0)));
    }
  }
  const byColumn: NodeId[][] = [];
  for (const [id, c] of [...column].sort((a, b) => a[0].localeCompare(b[0]))) (byColumn[c] ??= []).push(id);
  const row = new Map<NodeId, number>();
  byColumn.forEach((ids, c) => {
    if (c > 0) {
      const centre = (id: NodeId): number => {
        const rows = (deps.get(id) ?? []).map((d) => row.get(d)).filter((r): r is number => r !== undefined);
        return rows.length === 0 ? 0 : rows.reduce((a, b) => a + b, 0) / rows.length;
      };
      ids.sort((a, b) => centre(a) - centre(b) || a.localeCompare(b));
    }
    ids.forEach((id, r) => row.set(id, r));
  });
  const nodes = [...column.keys()].map((id) => ({ id, column: column.get(id)!, row: row.get(id)! }));
  return { nodes, columns: byColumn.length, rows: Math.max(0, ...byColumn.map((ids) => ids.length)) };
}
