/**
 * Cycle reporting. graphlib finds the strongly connected components; this turns
 * one component into a readable closed walk `a -> b -> c -> a`.
 */
import graphlib from '@dagrejs/graphlib';

type Graph = InstanceType<typeof graphlib.Graph>;

/** Every cycle of the graph as a closed path (first element repeated at the end). */
export function findCyclePaths(graph: Graph): string[][] {
  const paths: string[][] = [];
  for (const component of graphlib.alg.findCycles(graph)) {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    paths.push(walkCycle(graph, start, members));
  }
  return paths;
}

/** Depth-first search from `start` back to `start`, staying inside the component. */
function walkCycle(graph: Graph, start: string, members: Set<string>): string[] {
  const stack: string[] = [start];
  const visited = new Set<string>();
  const dfs = (node: string): boolean => {
    for (const next of (graph.successors(node) ?? []).sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        stack.push(start);
        return true;
      }
      if (visited.has(next)) continue;
      visited.add(next);
      stack.push(next);
      if (dfs(next)) return true;
      stack.pop();
    }
    return false;
  };
  dfs(start);
  return stack;
}
