/**
 * `rootfs-engine fetch [goal...]`: download and verify every source the goals
 * need (Buildroot's `make source`), so the build itself can run offline. With
 * --offline it only checks, and lists what is missing and where to put it.
 */
import path from 'node:path';
import { isPathSource, type UrlSource } from '../recipe.ts';
import { topologicalOrder, type ResolvedGraph } from '../graph/resolve.ts';
import { fetchSource, missingError, missingSources, type FetchedSource, type FetchProgress } from '../sources/index.ts';
import { acquireLock } from '../store/lock.ts';
import { colorAllowed, effectiveMode } from '../progress/choose.ts';
import { TtyProgress } from '../progress/tty.ts';
import { openSession, resolveGoals, type GlobalOptions, type Session } from './session.ts';

/** The tarball sources of a graph, once each (recipes share sources across places). */
export function urlSourcesOf(resolved: ResolvedGraph): Array<{ recipe: string; source: UrlSource }> {
  const seen = new Set<string>();
  const out: Array<{ recipe: string; source: UrlSource }> = [];
  for (const id of topologicalOrder(resolved)) {
    const { recipe } = resolved.nodes.get(id)!;
    if (!recipe.source || isPathSource(recipe.source)) continue;
    const identity = `${recipe.source.sha256}:${recipe.source.filename ?? recipe.source.urls[0]}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    out.push({ recipe: recipe.name, source: recipe.source });
  }
  return out;
}


/** --offline: fail at once, listing everything missing, before any node runs. */
export async function checkOffline(session: Session, resolved: ResolvedGraph): Promise<void> {
  const missing = await missingSources(
    urlSourcesOf(resolved).map((s) => s.source),
    session.distfilesDir,
  );
  if (missing.length > 0) throw missingError(missing);
}

/** Fetch and verify every tarball of the graph that is not in distfiles yet. */
export async function fetchAll(
  session: Session,
  resolved: ResolvedGraph,
  report: (line: string, detail: { recipe: string; fetched: FetchedSource }) => void,
  onProgress?: (progress: FetchProgress) => void,
): Promise<void> {
  for (const { recipe, source } of urlSourcesOf(resolved)) {
    const fetched = await fetchSource(source, {
      distfilesDir: session.distfilesDir,
      tmpDir: session.layout.tmpDir,
      mirrors: session.config.mirrors ?? [],
      allowHttp: session.options.allowHttp === true,
      onProgress,
    });
    const how =
      fetched.origin === 'distfiles'
        ? 'already present'
        : fetched.origin === 'apt'
          ? `from Debian's archive (${fetched.debian?.package} ${fetched.debian?.version}${fetched.debian?.repacked ? ', repacked' : ''})`
          : `from ${fetched.url}`;
    report(`${recipe.padEnd(22)} ${path.basename(fetched.file)}  ${how}`, { recipe, fetched });
  }
}

export async function fetchCommand(goals: string[], options: GlobalOptions): Promise<number> {
  const session = await openSession(options);
  const resolved = await resolveGoals(session, goals);
  if (options.offline) {
    await checkOffline(session, resolved);
    process.stdout.write(`All ${urlSourcesOf(resolved).length} sources are present and verified in ${session.distfilesDir}.\n`);
    return 0;
  }
  const lock = await acquireLock(session.layout.stateDir);
  // On a terminal, downloads in flight show as a live line (the run's progress view, downloads only).
  const live = effectiveMode('auto', process.env, process.stdout.isTTY) === 'tty' ? new TtyProgress(process.stdout, { color: colorAllowed(process.env), verbose: false }) : undefined;
  try {
    await fetchAll(
      session,
      resolved,
      (line) => {
        live?.clear();
        process.stdout.write(`${line}\n`);
      },
      (progress) => live?.onEvent({ type: 'download-progress', ...progress, time: Date.now() }),
    );
    return 0;
  } finally {
    live?.close();
    await lock.release();
  }
}
