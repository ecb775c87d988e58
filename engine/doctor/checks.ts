/**
 * `doctor`: what the build host needs for some goals, checked before a build
 * needs it. The list is not hard-coded: it comes from what the config already
 * declares: each node's recipe `tools` (looked up on the node's own PATH, as
 * `run` does), the host programs its sources need (decompressors, patch), the
 * `requirements` of the places in the graph and of the config's commands, and
 * the engine's own Node.js version range.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_TOKEN, substituteTokens } from '../layout.ts';
import { isPathSource, type Config, type HostRequirement } from '../recipe.ts';
import { DEFAULT_PATH, type ResolvedGraph } from '../graph/resolve.ts';
import { DEBIAN_PACKAGES, findOnPath, toolVersion } from '../exec/host-tools.ts';
import { hostToolForArchive } from '../sources/extract.ts';
import { distfileName } from '../sources/distfiles/fetch.ts';

export type CheckStatus = 'ok' | 'missing' | 'from-build';

export interface DoctorCheck {
  /** The program, or what a probe checks. */
  name: string;
  status: CheckStatus;
  /** What was found: version and path, or a probe's answer. */
  found?: string;
  /** Why it is needed: nodes and purposes, sorted. */
  neededBy: string[];
  debianPackage?: string;
  /** Missing optional checks are reported but do not fail `doctor`. */
  optional: boolean;
  /** What to do when no package fixes it. */
  hint?: string;
}

/** One program to look for, on one search path, and why. */
interface ToolWant {
  tool: string;
  searchPath: string;
  neededBy: string;
  debianPackage?: string;
  optional: boolean;
}

export interface DoctorInput {
  config: Config;
  /** The goals' graph, resolved with `inspect: true`. */
  graph: ResolvedGraph;
  /** The real build root, to tell "built by this run" from "missing". */
  buildRoot: string;
  /** Global options as the config's commands see them (`target`, `toolchain`...). */
  globals: Readonly<Record<string, string | boolean | undefined>>;
  /** The engine's PATH (for sources' and commands' programs). */
  enginePath?: string;
}

const ENGINE_PACKAGE_JSON = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');

/** Compare dotted versions; missing parts are 0. */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The running Node.js against package.json's `engines.node` (only `>=X[.Y[.Z]]` ranges are understood). */
export async function checkNode(current: string = process.versions.node): Promise<DoctorCheck> {
  const pkg = JSON.parse(await fs.readFile(ENGINE_PACKAGE_JSON, 'utf8')) as { engines?: { node?: string } };
  const range = pkg.engines?.node;
  // No Debian package: bookworm's nodejs (18) is too old, so there is nothing for apt to fix.
  const base = { name: 'Node.js', neededBy: ['rootfs-engine'], optional: false };
  const minimum = range ? /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim())?.[1] : undefined;
  if (!range || !minimum) return { ...base, status: 'ok', found: `${current}${range ? ` (engines.node "${range}" not checked)` : ''}` };
  const ok = compareVersions(current, minimum) >= 0;
  return {
    ...base,
    status: ok ? 'ok' : 'missing',
    found: `${current} (package.json wants ${range})`,
    hint: ok ? undefined : `Node.js ${range} is needed; Debian 12's nodejs is 18, so install Node from nodejs.org or a NodeSource/nvm build.`,
  };
}

function toolWants(input: DoctorInput): { wants: ToolWant[]; probes: Array<HostRequirement & { kind: 'probe' }> } {
  const wants: ToolWant[] = [];
  const probes: Array<HostRequirement & { kind: 'probe' }> = [];
  const enginePath = input.enginePath ?? process.env['PATH'] ?? DEFAULT_PATH;
  const seenPlaces = new Set<string>();
  const addRequirement = (req: HostRequirement, searchPath: string, prefix: string): void => {
    if (req.kind === 'tool') {
      wants.push({ tool: req.tool, searchPath: req.searchPath ?? searchPath, neededBy: `${prefix}${req.purpose}`, debianPackage: req.debianPackage, optional: req.optional === true });
    } else {
      probes.push({ ...req, purpose: `${prefix}${req.purpose}` });
    }
  };
  for (const node of input.graph.nodes.values()) {
    const place = node.place.definition;
    const placePath = node.env['PATH'] ?? DEFAULT_PATH;
    const packageOf = (tool: string): string | undefined => place.hostPackages?.[tool] ?? DEBIAN_PACKAGES[tool];
    // A sandboxed place's programs are those of the tree it runs in, which the run
    // builds: the build checks them when the node starts, not the host here.
    if (!place.sandbox) {
      for (const tool of node.recipe.tools ?? []) {
        wants.push({ tool, searchPath: placePath, neededBy: node.id, debianPackage: packageOf(tool), optional: false });
      }
    }
    const source = node.recipe.source;
    if (source && !isPathSource(source)) {
      const tool = hostToolForArchive(distfileName(source));
      if (tool) wants.push({ tool, searchPath: enginePath, neededBy: `${node.id} (source)`, debianPackage: DEBIAN_PACKAGES[tool], optional: false });
    }
    if ((source?.patches ?? []).length > 0) {
      wants.push({ tool: 'patch', searchPath: enginePath, neededBy: `${node.id} (patches)`, debianPackage: DEBIAN_PACKAGES['patch'], optional: false });
    }
    if (!seenPlaces.has(node.place.name)) {
      seenPlaces.add(node.place.name);
      for (const req of place.requirements ?? []) addRequirement(req, place.env?.['PATH'] ?? DEFAULT_PATH, `${node.place.name}: `);
    }
  }
  for (const [name, command] of Object.entries(input.config.commands ?? {})) {
    for (const req of command.requirements?.(input.globals) ?? []) addRequirement({ ...req, optional: req.optional ?? true }, enginePath, `${name}: `);
  }
  return { wants, probes };
}

/**
 * Look a program up in PATH order, as the node's shell would. A program found
 * nowhere but with a build-tree directory on the PATH (a stage's own LLVM, not
 * built yet) is the run's to make: what a node will install cannot be known before.
 */
async function locate(want: ToolWant, buildRoot: string): Promise<{ status: CheckStatus; file?: string; from?: string }> {
  const pending: string[] = [];
  for (const dir of want.searchPath.split(':').filter(Boolean)) {
    const real = dir.startsWith(BUILD_TOKEN) ? substituteTokens(dir, buildRoot, '') : dir;
    const file = await findOnPath(want.tool, real);
    if (file) return { status: 'ok', file };
    if (real !== dir) pending.push(path.relative(buildRoot, real));
  }
  return pending.length > 0 ? { status: 'from-build', from: pending.join(', ') } : { status: 'missing' };
}

function summarizeNeeds(needs: Iterable<string>): string[] {
  return [...new Set(needs)].sort();
}

/** Every check for a graph, sorted: the engine's, then programs by name, then probes. */
export async function runChecks(input: DoctorInput): Promise<DoctorCheck[]> {
  const { wants, probes } = toolWants(input);
  // One line per program: the worst result over the paths it is wanted on.
  const byTool = new Map<string, ToolWant[]>();
  for (const want of wants) byTool.set(want.tool, [...(byTool.get(want.tool) ?? []), want]);
  // The line shows what is missing first, else what the host has.
  const rank: Record<CheckStatus, number> = { 'from-build': 0, ok: 1, missing: 2 };
  const toolChecks = await Promise.all(
    [...byTool.entries()].map(async ([tool, list]): Promise<DoctorCheck> => {
      const results = await Promise.all(list.map((want) => locate(want, input.buildRoot)));
      let worst = 0;
      results.forEach((r, i) => {
        if (rank[r.status] > rank[results[worst]!.status]) worst = i;
      });
      const result = results[worst]!;
      const file = result.file ?? results.find((r) => r.file)?.file;
      const version = result.status === 'ok' && file ? await toolVersion(file).catch(() => undefined) : undefined;
      const fromBuild = [...new Set(results.filter((r) => r.status === 'from-build').map((r) => r.from!))].sort();
      const built = fromBuild.length > 0 ? `made by the run in ${fromBuild.join(', ')}` : '';
      return {
        name: tool,
        status: result.status,
        found: result.status === 'ok' ? `${version ?? '?'} ${file}${built ? `; ${built}` : ''}` : result.status === 'from-build' ? built : undefined,
        neededBy: summarizeNeeds(list.map((w) => w.neededBy)),
        debianPackage: list.find((w) => w.debianPackage)?.debianPackage,
        optional: list.every((w) => w.optional),
      };
    }),
  );
  toolChecks.sort((a, b) => a.name.localeCompare(b.name));
  const probeChecks: DoctorCheck[] = [];
  const seen = new Set<string>();
  for (const probe of probes) {
    if (seen.has(probe.name)) continue;
    seen.add(probe.name);
    const result = await probe.probe().catch((error: unknown) => ({ ok: false, detail: (error as Error).message ?? String(error) }));
    probeChecks.push({
      name: probe.name,
      status: result.ok ? 'ok' : 'missing',
      found: result.detail,
      neededBy: summarizeNeeds(probes.filter((p) => p.name === probe.name).map((p) => p.purpose)),
      debianPackage: probe.debianPackage,
      optional: probe.optional === true,
      hint: probe.hint,
    });
  }
  return [await checkNode(), ...toolChecks, ...probeChecks];
}

/** Debian packages that would fix the missing checks, required ones first, without repeats. */
export function missingPackages(checks: readonly DoctorCheck[]): string[] {
  const missing = checks.filter((c) => c.status === 'missing' && c.debianPackage);
  const ordered = [...missing.filter((c) => !c.optional), ...missing.filter((c) => c.optional)];
  return [...new Set(ordered.map((c) => c.debianPackage!))];
}

export function requiredMissing(checks: readonly DoctorCheck[]): DoctorCheck[] {
  return checks.filter((c) => c.status === 'missing' && !c.optional);
}
