/**
 * From goals to a resolved graph: every node with its recipe, place, context,
 * resolved phase commands and environment, and its dependencies. Edges point from
 * a node to what it depends on. Everything here is pure resolution: nothing runs.
 */
import path from 'node:path';
import graphlib from '@dagrejs/graphlib';
import { closest } from 'fastest-levenshtein';
import { EngineError, isEngineError } from '../errors.ts';
import {
  PHASES,
  type Command,
  type Config,
  type Context,
  type PhaseName,
  type PlaceDefinition,
  type PlaceRequest,
  type Recipe,
} from '../recipe.ts';
import { SRC_TOKEN, tokenLayout } from '../layout.ts';
import { nodeId, parseNodeRef, type NodeId } from './node-id.ts';
import { findCyclePaths } from './cycles.ts';

type Graph = InstanceType<typeof graphlib.Graph>;

export interface ResolvedPlace {
  definition: PlaceDefinition;
  name: string;
  /** The options the place was resolved with; recipes see them as ctx.options. */
  options?: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedNode {
  id: NodeId;
  recipe: Recipe;
  place: ResolvedPlace;
  deps: NodeId[];
  context: Context;
  /** Commands per phase, resolved against the token layout (see layout.ts). */
  phases: Record<PhaseName, Command[]>;
  /** The node's whole environment (place env, then recipe env), token paths. */
  env: Record<string, string>;
}

export interface ResolvedGraph {
  nodes: Map<NodeId, ResolvedNode>;
  graph: Graph;
  /** The goal nodes, in the order asked for. */
  goals: NodeId[];
}

export interface ResolveOptions {
  config: Config;
  goals: readonly string[];
  /** --target: the place for goals given without one. */
  target?: string;
  buildType?: string;
  /** Free-form options for place resolvers (`toolchain`, ...). */
  options?: Readonly<Record<string, string | undefined>>;
  /** Resolve places for inspection only (`doctor`); see PlaceRequest.inspect. */
  inspect?: boolean;
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function defaultPlaceOf(config: Config): string {
  return config.defaultPlace ?? 'host';
}

/** Look up a place by name, through the list or the resolver of the config. */
export async function resolvePlace(config: Config, name: string, request: PlaceRequest): Promise<ResolvedPlace> {
  let definition: PlaceDefinition | undefined;
  if (typeof config.places === 'function') definition = await config.places(name, request);
  else definition = (config.places ?? []).find((p) => p.name === name);
  if (!definition && name === defaultPlaceOf(config) && config.places === undefined) definition = { name };
  if (!definition) {
    const known = Array.isArray(config.places) ? config.places.map((p) => p.name) : [];
    const hint = known.length > 0 ? ` Known places: ${known.join(', ')}.` : '';
    throw new EngineError('UNKNOWN_PLACE', `Unknown place or target "${name}".${hint} Check --target or the @place part of the node name.`);
  }
  return { definition, name, options: request.options };
}

function normalizeCommands(result: unknown): Command[] {
  if (result === undefined || result === null || result === false) return [];
  if (typeof result === 'string') return [result];
  if (Array.isArray(result)) {
    // A flat array of strings is ambiguous: argv or a list of shell lines. We take it
    // as a list of shell lines; an argv vector must be nested: [['make', 'install']].
    return result.map((item) => (typeof item === 'string' ? item : [...(item as readonly string[])]));
  }
  throw new TypeError(`a phase must return a command string, a list of commands, or nothing; got ${typeof result}`);
}

function makeContext(recipe: Recipe, place: ResolvedPlace, buildType: string): Context {
  const env = { PATH: DEFAULT_PATH, ...(place.definition.env ?? {}) };
  return Object.freeze({
    recipe: Object.freeze({ name: recipe.name, version: recipe.version }),
    place: place.name,
    facts: Object.freeze({ ...(place.definition.facts ?? {}) }),
    dirs: Object.freeze({
      build: tokenLayout.root,
      src: recipe.source ? SRC_TOKEN : '',
      obj: tokenLayout.objDir(place.name, recipe.name),
      dest: tokenLayout.stageDir(place.name, recipe.name),
      out: tokenLayout.outDir(place.name),
    }),
    env: Object.freeze(env),
    buildType,
    options: Object.freeze({ ...(place.options ?? {}) }),
  });
}

function describeRecipe(recipe: Recipe): string {
  return `${recipe.name} (${path.relative(process.cwd(), recipe.file) || recipe.file})`;
}

/**
 * Resolve one recipe in one place: context, env, phases, deps. `withBase` says
 * whether the place's base deps apply (they do not for the nodes the base needs).
 */
export function resolveNode(recipe: Recipe, place: ResolvedPlace, buildType: string, withBase = true): ResolvedNode {
  const context = makeContext(recipe, place, buildType);
  const fail = (what: string, error: unknown): never => {
    // A recipe that refuses a run option (ctx.options) says so itself: the user fixes the line, not the recipe.
    if (isEngineError(error) && error.code === 'USAGE') throw error;
    throw new EngineError(
      'CONFIG_INVALID',
      `Recipe ${describeRecipe(recipe)} failed while resolving ${what} for ${place.name}: ${(error as Error).message ?? String(error)}. Fix the recipe; nothing was built.`,
    );
  };
  let recipeEnv: Readonly<Record<string, string>> = {};
  try {
    recipeEnv = typeof recipe.env === 'function' ? recipe.env(context) : (recipe.env ?? {});
  } catch (error) {
    fail('its env', error);
  }
  const env: Record<string, string> = { ...context.env, ...recipeEnv, DESTDIR: context.dirs.dest };
  const phases = {} as Record<PhaseName, Command[]>;
  for (const phase of PHASES) {
    const fn = recipe.phases[phase];
    try {
      phases[phase] = fn ? normalizeCommands(fn(context)) : [];
    } catch (error) {
      fail(`its ${phase} phase`, error);
    }
  }
  let declared: readonly string[] = [];
  try {
    declared = declaredDeps(recipe, context);
  } catch (error) {
    fail('its deps', error);
  }
  const id = nodeId(recipe.name, place.name);
  let toolProviders: readonly string[] = [];
  try {
    toolProviders = place.definition.toolNodes?.(recipe.tools ?? []) ?? [];
  } catch (error) {
    fail('its tools', error);
  }
  const refs = [...declared, ...(place.definition.toolchainNodes ?? []), ...toolProviders, ...(withBase ? (place.definition.deps ?? []) : [])];
  const deps: NodeId[] = [];
  for (const ref of refs) {
    const parsed = parseNodeRef(ref, place.name);
    const dep = nodeId(parsed.recipe, parsed.place);
    if (dep !== id && !deps.includes(dep)) deps.push(dep);
  }
  return { id, recipe, place, deps, context, phases, env };
}

function declaredDeps(recipe: Recipe, context: Context): readonly string[] {
  return typeof recipe.deps === 'function' ? recipe.deps(context) : (recipe.deps ?? []);
}

/**
 * The nodes of a place that its base deps need (the base deps included), following
 * recipe deps inside the place. These nodes do not get the base deps themselves.
 */
export function baseClosure(config: Config, place: ResolvedPlace, buildType: string): Set<NodeId> {
  const closure = new Set<NodeId>();
  const recipes = new Map(config.recipes.map((r) => [r.name, r] as const));
  const queue = [...(place.definition.deps ?? [])].map((ref) => parseNodeRef(ref, place.name));
  while (queue.length > 0) {
    const { recipe: name, place: where } = queue.shift()!;
    if (where !== place.name) continue;
    const id = nodeId(name, where);
    if (closure.has(id)) continue;
    closure.add(id);
    const recipe = recipes.get(name);
    if (!recipe) continue; // reported as an unknown dependency by resolveGraph
    for (const ref of declaredDeps(recipe, makeContext(recipe, place, buildType))) queue.push(parseNodeRef(ref, place.name));
  }
  return closure;
}

/** Resolve a recipe in a place exactly as resolveGraph would (for `show`). */
export async function resolveSingle(config: Config, recipe: Recipe, placeName: string, request: PlaceRequest, buildType: string): Promise<ResolvedNode> {
  const place = await resolvePlace(config, placeName, request);
  const withBase = !baseClosure(config, place, buildType).has(nodeId(recipe.name, place.name));
  return resolveNode(recipe, place, buildType, withBase);
}

/** Turn goal names (recipes, named goals or node ids) into node ids. */
export function expandGoals(config: Config, goals: readonly string[], target: string | undefined, request: PlaceRequest): NodeId[] {
  const place = target ?? defaultPlaceOf(config);
  for (const [name, definition] of Object.entries(config.options ?? {})) {
    const readers = definition.readByGoals;
    if (readers !== undefined && request.options[name] !== undefined && !goals.some((goal) => readers.includes(goal))) {
      throw new EngineError(
        'USAGE',
        `--${name} only changes what the goals ${readers.join(', ')} build, and this line names none of them (${goals.join(' ')}), so it would do nothing. Name one of those goals (e.g. \`run ${readers[0] ?? 'GOAL'} --${name} ...\`), or leave the option out.`,
      );
    }
  }
  const result: NodeId[] = [];
  const seen = new Set<NodeId>();
  const add = (id: NodeId): void => {
    if (seen.has(id)) return;
    seen.add(id);
    result.push(id);
  };
  for (const goal of goals) {
    const named = config.goals?.[goal];
    if (named) {
      for (const ref of named.nodes({ ...request, place })) {
        const parsed = parseNodeRef(ref, place);
        if (!config.recipes.some((r) => r.name === parsed.recipe)) {
          // Goals may take their list from an option (`--packages`): the name may be the user's.
          throw new EngineError(
            'UNKNOWN_GOAL',
            `The goal "${goal}" names "${parsed.recipe}", which is not a recipe of ${config.file}. Did you mean "${closest(parsed.recipe, config.recipes.map((r) => r.name))}"? Fix the name where the list comes from (an option on the command line, such as --packages, or the goal's definition); \`rootfs-engine list\` shows every recipe.`,
          );
        }
        add(nodeId(parsed.recipe, parsed.place));
      }
      continue;
    }
    const parsed = parseNodeRef(goal, place);
    if (!config.recipes.some((r) => r.name === parsed.recipe)) {
      const names = [...config.recipes.map((r) => r.name), ...Object.keys(config.goals ?? {})];
      const suggestion = names.length > 0 ? ` Did you mean "${closest(parsed.recipe, names)}"?` : '';
      throw new EngineError(
        'UNKNOWN_GOAL',
        `"${goal}" is neither a recipe nor a goal of ${config.file}.${suggestion} Run \`rootfs-engine list\` to see what exists.`,
      );
    }
    add(nodeId(parsed.recipe, parsed.place));
  }
  return result;
}

/** The request places are resolved with: CLI options and the token layout. */
export function placeRequest(options: Readonly<Record<string, string | undefined>>, inspect = false): PlaceRequest {
  return { options, inspect, dirs: { build: tokenLayout.root, out: (place: string) => tokenLayout.outDir(place) } };
}

export async function resolveGraph(options: ResolveOptions): Promise<ResolvedGraph> {
  const { config } = options;
  const buildType = options.buildType ?? 'Release';
  const request = placeRequest({ ...options.options, buildType }, options.inspect === true);
  const recipes = new Map(config.recipes.map((r) => [r.name, r] as const));
  const places = new Map<string, { place: ResolvedPlace; base: Set<NodeId> }>();
  const goals = expandGoals(config, options.goals, options.target, request);

  const nodes = new Map<NodeId, ResolvedNode>();
  const graph: Graph = new graphlib.Graph({ directed: true });
  const queue: Array<{ id: NodeId; requestedBy?: ResolvedNode }> = goals.map((id) => ({ id }));
  // An index, not shift(): shift is linear, and this queue holds every node.
  for (let next = 0; next < queue.length; next++) {
    const { id, requestedBy } = queue[next]!;
    if (nodes.has(id)) continue;
    const { recipe: recipeName, place: placeName } = parseNodeRef(id, defaultPlaceOf(config));
    const recipe = recipes.get(recipeName);
    if (!recipe) {
      const suggestion = recipes.size > 0 ? ` Did you mean "${closest(recipeName, [...recipes.keys()])}"?` : '';
      const declared = requestedBy ? declaredDeps(requestedBy.recipe, requestedBy.context).map((ref) => parseNodeRef(ref, requestedBy.place.name).recipe) : [];
      if (requestedBy && !declared.includes(recipeName)) {
        // Not the recipe's own dep: its place added it (base, toolchain or a tool's provider).
        throw new EngineError(
          'UNKNOWN_DEP',
          `Place ${requestedBy.place.name} makes ${requestedBy.id} depend on "${recipeName}" (its base, its toolchain or the provider of one of the recipe's tools), but no recipe has that name. Add that recipe to the config (it is in allRecipes of rootfs-engine/packages if the place is ours), or build something else in ${requestedBy.place.name}.`,
        );
      }
      const who = requestedBy ? `Recipe ${describeRecipe(requestedBy.recipe)} depends on` : 'The goal names';
      throw new EngineError('UNKNOWN_DEP', `${who} "${recipeName}", but no recipe has that name.${suggestion} Fix the name in its deps, or add the recipe to the config.`);
    }
    let entry = places.get(placeName);
    if (!entry) {
      const place = await resolvePlace(config, placeName, request);
      entry = { place, base: baseClosure(config, place, buildType) };
      places.set(placeName, entry);
    }
    const node = resolveNode(recipe, entry.place, buildType, !entry.base.has(id));
    nodes.set(id, node);
    graph.setNode(id);
    for (const dep of node.deps) {
      graph.setEdge(id, dep);
      if (!nodes.has(dep)) queue.push({ id: dep, requestedBy: node });
    }
  }

  const cycles = findCyclePaths(graph);
  if (cycles.length > 0) {
    const cycle = cycles[0]!;
    const members = [...new Set(cycle)].map((id) => {
      const node = nodes.get(id as NodeId);
      return node ? `${id} is defined in ${node.recipe.file}` : id;
    });
    throw new EngineError(
      'CYCLE',
      `Dependency cycle: ${cycle.join(' -> ')}. ${members.join('; ')}. A node cannot depend on itself through other nodes: remove one of these deps.`,
    );
  }
  return { nodes, graph, goals };
}

/** Nodes in dependency order (dependencies first), restricted to what the goals need. */
export function topologicalOrder(resolved: ResolvedGraph): NodeId[] {
  // graphlib's topsort puts sources first; our edges point at dependencies, so reverse.
  return (graphlib.alg.topsort(resolved.graph) as NodeId[]).reverse();
}
