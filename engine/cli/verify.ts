/**
 * `rootfs-engine verify <node...>`: the reproducibility check (like `nix build
 * --check`). The nodes are rebuilt, never restored, in a fresh temporary build
 * root with the same config (their dependencies restored from the artifact cache
 * or built there), and each rebuilt install is compared file by file with the
 * recorded one: the node's record in this build root when its key is the same,
 * otherwise the artifact cache's entry for that key. Exit 1 when any file differs.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BuildContext, buildGraph } from '../build.ts';
import { EngineError } from '../errors.ts';
import { killAllGroups } from '../exec/process.ts';
import { splitNodeId, type NodeId } from '../graph/node-id.ts';
import { Layout } from '../layout.ts';
import { manifestOf } from '../cache/entry.ts';
import { compareManifests } from '../store/compare.ts';
import type { Manifest } from '../store/manifest.ts';
import type { NodeRecord } from '../store/state.ts';
import { checkOffline, fetchAll } from './fetch.ts';
import { plainReporter } from './reporter.ts';
import { parseJobs } from './run.ts';
import { openCache, openSession, resolveGoals, type GlobalOptions } from './session.ts';

export interface VerifyOptions extends GlobalOptions {
  jobs?: string;
  keep?: boolean;
  verbose?: boolean;
}

interface Reference {
  manifest: Manifest;
  where: string;
  /** The recorded files on disk, when they are (for a diff tool). */
  files?: string;
}

export async function verifyCommand(refs: string[], options: VerifyOptions): Promise<number> {
  const jobs = parseJobs(options.jobs);
  const session = await openSession(options);
  const resolved = await resolveGoals(session, refs);
  const targets = [...new Set(resolved.goals)];
  if (targets.length === 0) throw new EngineError('UNKNOWN_NODE', `${refs.join(' ')} names no node to verify.`);
  if (options.offline) await checkOffline(session, resolved);
  else await fetchAll(session, resolved, () => undefined);

  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-engine-verify-'));
  const layout = new Layout(root);
  const context = new BuildContext(layout, session.distfilesDir);
  const cache = openCache(session, new Set(targets));
  process.stdout.write(`Verifying ${targets.join(', ')}: rebuilding without the cache in ${root}\n`);

  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      killAllGroups('SIGKILL');
      process.exit(130);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result;
  try {
    result = await buildGraph(resolved, context, {
      layout,
      jobs,
      keepGoing: false,
      signal: controller.signal,
      onEvent: plainReporter((line) => process.stdout.write(`${line}\n`), options.verbose === true),
      sourceOptions: { distfilesDir: session.distfilesDir, mirrors: session.config.mirrors ?? [], offline: options.offline === true, allowHttp: options.allowHttp === true },
      cache,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (!result.ok) {
    for (const failure of result.failures) process.stderr.write(`\n${failure.message}\n`);
    process.stderr.write(`\nThe rebuild did not finish, so nothing was compared. Its build root ${root} is kept for inspection.\n`);
    return result.interrupted ? 130 : 1;
  }

  let differing = 0;
  let unknown = 0;
  for (const id of targets) {
    const { recipe, place } = splitNodeId(id as NodeId);
    const rebuilt = await context.state.read(place, recipe);
    if (!rebuilt) throw new Error(`internal: ${id} has no record after its rebuild`);
    const reference = await referenceOf(id, rebuilt, await session.context.state.read(place, recipe), session.layout, cache);
    if (typeof reference === 'string') {
      unknown += 1;
      process.stdout.write(`${id}: nothing to compare with: ${reference}\n`);
      continue;
    }
    const differences = compareManifests(reference.manifest, rebuilt.manifest);
    const files = rebuilt.manifest.filter((e) => e.type !== 'dir').length;
    if (differences.length === 0) {
      process.stdout.write(`${id}: reproducible (${files} file${files === 1 ? '' : 's'} identical to ${reference.where})\n`);
      continue;
    }
    differing += 1;
    process.stdout.write(`${id}: NOT reproducible: ${differences.length} difference${differences.length === 1 ? '' : 's'} from ${reference.where}\n`);
    for (const difference of differences) process.stdout.write(`  ${difference.path}: ${difference.what}\n`);
    process.stdout.write(`  rebuilt files: ${layout.stageDir(place, recipe)}${reference.files ? `; recorded files: ${reference.files}` : ''}\n`);
  }
  const failed = differing > 0 || unknown > 0;
  if (failed || options.keep) {
    process.stdout.write(`The rebuild's build root ${root} is kept${failed ? ' for inspection (diffoscope compares two files in depth)' : ''}; remove it when done.\n`);
  } else {
    await fs.rm(root, { recursive: true, force: true });
  }
  if (differing > 0) process.stderr.write(`${differing} node${differing === 1 ? ' is' : 's are'} not reproducible.\n`);
  return failed ? 1 : 0;
}

/** The recorded output of the rebuilt key: this build root's record, else the cache's entry. */
async function referenceOf(
  id: string,
  rebuilt: NodeRecord,
  recorded: NodeRecord | undefined,
  layout: Layout,
  cache: ReturnType<typeof openCache>,
): Promise<Reference | string> {
  const { recipe, place } = splitNodeId(id as NodeId);
  if (recorded && recorded.key === rebuilt.key) {
    return { manifest: recorded.manifest, where: `its build of ${recorded.finishedAt} in ${layout.root}`, files: layout.stageDir(place, recipe) };
  }
  const found = cache ? await cache.lookup(id, rebuilt.key).catch(() => undefined) : undefined;
  if (found) return { manifest: manifestOf(found.entry), where: `the ${found.from} artifact cache's build of ${found.entry.createdAt}` };
  if (!recorded) return `it was never built in ${layout.root} and the artifact cache has no build of its key; run \`rootfs-engine run ${id}\` first.`;
  const changedDeps = Object.keys(rebuilt.inputs)
    .filter((input) => input.startsWith('dep.') && rebuilt.inputs[input] !== recorded.inputs[input])
    .map((input) => input.slice('dep.'.length));
  if (changedDeps.length > 0) {
    return `its dependencies came out different in the rebuild (${changedDeps.join(', ')}), so its key changed; verify those first.`;
  }
  return `its last build in ${layout.root} has key ${recorded.key}, the rebuild has key ${rebuilt.key} (the inputs changed since; \`rootfs-engine why ${id}\` says how). Run it first.`;
}
