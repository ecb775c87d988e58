/**
 * What an SBOM says, independent of its format: the packages (nodes) a goal puts
 * into its place's tree, each with its recipe's name, version, license, homepage
 * and description, the source tarball the build really used (upstream or the
 * apt provider's Debian repack) with its SHA-256, its patches, and every regular
 * file it installed with SHA-1 and SHA-256 (SPDX needs SHA-1), read from the out
 * tree and checked against the node's recorded manifest.
 *
 * Everything comes from the build records, nothing from the clock: the time is
 * SOURCE_DATE_EPOCH, or else the newest build among the nodes described.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.ts';
import { fingerprintHasher, type Fingerprint } from '../hash.ts';
import { isPathSource, type Recipe } from '../recipe.ts';
import { topologicalOrder, type ResolvedGraph } from '../graph/resolve.ts';
import type { NodeId } from '../graph/node-id.ts';
import type { BuildContext } from '../build.ts';
import type { Layout } from '../layout.ts';
import { patchFilesOf, recipeDir } from '../rebuild/source-inputs.ts';
import { distfileName } from '../sources/distfiles/fetch.ts';
import { debianOrigNames } from '../sources/apt.ts';
import { cachedSha256 } from '../sources/verify.ts';

export interface SbomFile {
  /** Path inside the place's tree, without a leading slash. */
  path: string;
  sha1: string;
  sha256: string;
  size: number;
}

export interface SbomPatch {
  /** Path relative to the recipe file. */
  name: string;
  sha1: string;
  sha256: string;
}

export interface SbomSource {
  kind: 'tarball' | 'local';
  /** Upstream URLs (tarballs). */
  urls: readonly string[];
  /** The tarball the build used: the upstream file name or Debian's orig name. */
  tarball?: string;
  /** SHA-256 of that tarball. */
  sha256?: string;
  /** Set when the build used Debian's repacked orig tarball instead of the upstream one. */
  debianRepack?: { package: string; version: string };
  /** A local source tree, relative to the config's directory. */
  localPath?: string;
}

export interface SbomPackage {
  id: NodeId;
  name: string;
  version: string;
  /** An SPDX license expression, or undefined when the recipe declares none. */
  license?: string;
  homepage?: string;
  description?: string;
  source?: SbomSource;
  patches: SbomPatch[];
  files: SbomFile[];
  /** Packages of the SBOM this one depends on, sorted. */
  dependsOn: NodeId[];
}

export interface Sbom {
  /** What is described: the goal, e.g. `rootfs`, and its place(s). */
  name: string;
  places: string[];
  /** The goal nodes, the roots of the dependency tree. */
  roots: NodeId[];
  /** ISO 8601, seconds, UTC. */
  created: string;
  tool: { name: string; version: string };
  packages: SbomPackage[];
}

/** SHA-1, SHA-256 and the engine's fingerprint of a file, in one read. */
async function digests(file: string): Promise<{ sha1: string; sha256: string; fingerprint: Fingerprint; size: number }> {
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  const fingerprint = fingerprintHasher();
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const buffer = chunk as Buffer;
    sha1.update(buffer);
    sha256.update(buffer);
    fingerprint.update(buffer);
    size += buffer.length;
  }
  return { sha1: sha1.digest('hex'), sha256: sha256.digest('hex'), fingerprint: fingerprint.digest(), size };
}

/** Where the tarball a node was built from lives, and whether it was Debian's repack. */
async function sourceOf(recipe: Recipe, usedSha256: string | undefined, distfilesDir: string, configDir: string): Promise<SbomSource | undefined> {
  const source = recipe.source;
  if (!source) return undefined;
  if (isPathSource(source)) {
    return { kind: 'local', urls: [], localPath: path.relative(configDir, path.resolve(recipeDir(recipe), source.path)) || '.' };
  }
  const sha256 = usedSha256 ?? source.sha256;
  const upstream = { kind: 'tarball' as const, urls: source.urls, tarball: distfileName(source), sha256 };
  if (sha256 === source.sha256 || !source.debian || sha256 !== source.debian.sha256) return upstream;
  let tarball = debianOrigNames(source.debian.package, source.debian.version)[0]!;
  for (const name of debianOrigNames(source.debian.package, source.debian.version)) {
    const found = await cachedSha256(path.join(distfilesDir, name)).catch(() => undefined);
    if (found?.sha256 === sha256) {
      tarball = name;
      break;
    }
  }
  return { ...upstream, tarball, debianRepack: { package: source.debian.package, version: source.debian.version } };
}

function createdTime(finished: readonly string[]): string {
  const epoch = process.env['SOURCE_DATE_EPOCH'];
  const ms = epoch && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Math.max(0, ...finished.map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t)));
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface SbomRequest {
  graph: ResolvedGraph;
  context: BuildContext;
  layout: Layout;
  distfilesDir: string;
  configDir: string;
  /** The goal as the user named it. */
  name: string;
  /** How to build it, for the error when it was not built: `rootfs-engine run ...`. */
  runHint: string;
  tool: { name: string; version: string };
}

/**
 * The SBOM of a built goal: every node of the goal's places that the goal needs.
 * Nodes of other places (a stage's LLVM that compiled the target) built the
 * packages but put nothing into this tree, so they are not listed.
 */
export async function collectSbom(request: SbomRequest): Promise<Sbom> {
  const { graph, context, layout } = request;
  const places = [...new Set(graph.goals.map((id) => graph.nodes.get(id)!.place.name))].sort();
  const ids = topologicalOrder(graph).filter((id) => places.includes(graph.nodes.get(id)!.place.name));
  const records = await Promise.all(ids.map((id) => context.state.read(graph.nodes.get(id)!.place.name, graph.nodes.get(id)!.recipe.name)));
  const unbuilt = ids.filter((_, i) => records[i] === undefined);
  if (unbuilt.length > 0) {
    throw new EngineError(
      'NOT_BUILT',
      `There is nothing to describe yet: ${unbuilt.length === ids.length ? `${request.name} has` : `${unbuilt.join(', ')} ${unbuilt.length === 1 ? 'has' : 'have'}`} not been built in ${layout.root}. Run \`${request.runHint}\` first, then sbom again.`,
    );
  }
  const packages: SbomPackage[] = [];
  for (const [index, id] of ids.entries()) {
    const node = graph.nodes.get(id)!;
    const record = records[index]!;
    const outDir = layout.outDir(node.place.name);
    const files: SbomFile[] = [];
    for (const entry of record.manifest) {
      if (entry.type !== 'file') continue;
      const file = path.join(outDir, entry.path);
      const hashed = await digests(file).catch(() => undefined);
      if (!hashed || hashed.fingerprint !== entry.hash) {
        throw new EngineError(
          'STATE_CORRUPT',
          `${file}, installed by ${id}, ${hashed ? 'was changed' : 'was removed'} after the build, so the SBOM cannot vouch for it. Run \`rootfs-engine clean ${id}\` and \`${request.runHint}\` to reinstall it, then sbom again.`,
        );
      }
      files.push({ path: entry.path, sha1: hashed.sha1, sha256: hashed.sha256, size: hashed.size });
    }
    const patches: SbomPatch[] = [];
    for (const patch of patchFilesOf(node.recipe)) {
      const hashed = await digests(patch);
      patches.push({ name: path.relative(recipeDir(node.recipe), patch), sha1: hashed.sha1, sha256: hashed.sha256 });
    }
    packages.push({
      id,
      name: node.recipe.name,
      version: node.recipe.version,
      license: node.recipe.license,
      homepage: node.recipe.homepage,
      description: node.recipe.description,
      source: await sourceOf(node.recipe, record.inputs['source.sha256'], request.distfilesDir, request.configDir),
      patches,
      files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      dependsOn: node.deps.filter((dep) => ids.includes(dep)).sort(),
    });
  }
  packages.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    name: request.name,
    places,
    roots: [...graph.goals].sort(),
    created: createdTime(records.map((r) => r!.finishedAt)),
    tool: request.tool,
    packages,
  };
}
