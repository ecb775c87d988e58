/** `rootfs-engine graph <goal...> --format dot|json|mermaid`. */
import { EngineError } from '../errors.ts';
import { topologicalOrder, type ResolvedGraph } from '../graph/resolve.ts';
import { openSession, resolveGoals, type GlobalOptions } from './session.ts';

export type GraphFormat = 'dot' | 'json' | 'mermaid';

export function renderGraph(resolved: ResolvedGraph, format: GraphFormat): string {
  const order = topologicalOrder(resolved);
  const edges = order.flatMap((id) => resolved.nodes.get(id)!.deps.map((dep) => [id, dep] as const));
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        {
          goals: resolved.goals,
          nodes: order.map((id) => {
            const node = resolved.nodes.get(id)!;
            return { id, recipe: node.recipe.name, version: node.recipe.version, place: node.place.name, deps: node.deps };
          }),
          edges: edges.map(([from, to]) => ({ from, to })),
        },
        null,
        2,
      )}\n`;
    case 'dot': {
      const lines = ['digraph rootfs {', '  rankdir=LR;', '  node [shape=box, fontname="sans-serif"];'];
      for (const id of order) {
        const node = resolved.nodes.get(id)!;
        const goal = resolved.goals.includes(id) ? ', style=bold' : '';
        lines.push(`  "${id}" [label="${node.recipe.name} ${node.recipe.version}\\n${node.place.name}"${goal}];`);
      }
      for (const [from, to] of edges) lines.push(`  "${from}" -> "${to}";`);
      lines.push('}');
      return `${lines.join('\n')}\n`;
    }
    case 'mermaid': {
      const ids = new Map(order.map((id, index) => [id, `n${index}`]));
      const lines = ['graph LR'];
      for (const id of order) {
        const node = resolved.nodes.get(id)!;
        lines.push(`  ${ids.get(id)}["${node.recipe.name} ${node.recipe.version}<br/>${node.place.name}"]`);
      }
      for (const [from, to] of edges) lines.push(`  ${ids.get(from)} --> ${ids.get(to)}`);
      return `${lines.join('\n')}\n`;
    }
    default: {
      const unreachable: never = format;
      throw new EngineError('USAGE', `Unknown graph format ${String(unreachable)}.`);
    }
  }
}

export async function graphCommand(goals: string[], options: GlobalOptions & { format?: string }): Promise<number> {
  const format = (options.format ?? 'dot') as GraphFormat;
  if (!['dot', 'json', 'mermaid'].includes(format)) {
    throw new EngineError('USAGE', `--format must be dot, json or mermaid, not "${options.format}".`);
  }
  const session = await openSession(options);
  process.stdout.write(renderGraph(await resolveGoals(session, goals), format));
  return 0;
}
