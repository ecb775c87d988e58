/**
 * Find a recipe's tarball, verified: the distfiles directory, then configured
 * mirrors, then the recipe's URLs, then the apt provider (its earlier results
 * cached in distfiles first). Each candidate is checked against the SHA-256
 * before it is used; a wrong file from one place falls through to the next, and
 * only when nothing matches does the fetch fail, listing every attempt.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../errors.ts';
import type { Sha256 } from '../../hash.ts';
import type { Source, UrlSource } from '../../recipe.ts';
import { isPathSource } from '../../recipe.ts';
import { debianOrigNames, fetchFromApt } from '../apt.ts';
import { DownloadError, downloadFile } from '../download.ts';
import { makeTempDir, removeTree } from '../fsutil.ts';
import type { FetchAttempt, FetchedSource, FetchOptions } from '../types.ts';
import { cachedSha256, writeSidecar } from '../verify.ts';

/** The name a source's tarball has in the distfiles directory. */
export function distfileName(source: UrlSource): string {
  let name = source.filename;
  if (name === undefined) {
    const first = source.urls[0];
    if (first === undefined) {
      throw new EngineError('CONFIG_INVALID', `A source with sha256 ${source.sha256} has no URLs and no filename; give at least one URL or a filename.`);
    }
    const url = new URL(first);
    name = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  }
  // The name becomes a path in a shared directory: keep it a plain file name.
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || name.startsWith('.')) {
    throw new EngineError('CONFIG_INVALID', `The source file name "${name}" (from ${source.filename !== undefined ? 'source.filename' : source.urls[0]}) is not a plain file name; set source.filename.`);
  }
  return name;
}

function mirrorUrl(base: string, file: string): string {
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(file)}`;
}

function describeAttempts(attempts: readonly FetchAttempt[]): string {
  return attempts.map((a, i) => `  ${i + 1}. ${a.location}: ${a.outcome}`).join('\n');
}

/** Move a verified temp file into distfiles (atomic rename) and record its hash. */
async function install(tmpFile: string, dest: string, sha256: Sha256): Promise<void> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  try {
    await fs.rename(tmpFile, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // tmpDir is on another filesystem: copy next to the destination, then rename.
    const sibling = `${dest}.part-${process.pid}`;
    await fs.copyFile(tmpFile, sibling);
    await fs.rename(sibling, dest);
    await fs.rm(tmpFile, { force: true });
  }
  await writeSidecar(dest, sha256);
}

/** Look for an earlier apt result (a repack stored under Debian's name) in distfiles. */
async function cachedRepack(source: UrlSource, distfilesDir: string, attempts: FetchAttempt[]): Promise<FetchedSource | undefined> {
  const deb = source.debian;
  if (!deb?.sha256) return undefined;
  for (const name of debianOrigNames(deb.package, deb.version)) {
    const file = path.join(distfilesDir, name);
    const h = await cachedSha256(file);
    if (!h) continue;
    if (h.sha256 === deb.sha256) {
      const debian: FetchedSource['debian'] = { package: deb.package, version: deb.version, origFile: name, repacked: true };
      if (deb.topDir !== undefined) debian.topDir = deb.topDir;
      return { file, sha256: h.sha256, origin: 'distfiles', debian };
    }
    attempts.push({ location: file, outcome: `present, but its SHA-256 is ${h.sha256}, not debian.sha256 ${deb.sha256}`, actualSha256: h.sha256 });
  }
  return undefined;
}

export async function fetchSource(source: UrlSource, opts: FetchOptions): Promise<FetchedSource> {
  const name = distfileName(source);
  const distfilesDir = path.resolve(opts.distfilesDir);
  const dest = path.join(distfilesDir, name);
  const expected = source.sha256.toLowerCase();
  const attempts: FetchAttempt[] = [];

  const local = await cachedSha256(dest);
  if (local?.sha256 === expected) return { file: dest, sha256: local.sha256, origin: 'distfiles' };
  if (local) {
    attempts.push({ location: dest, outcome: `present, but its SHA-256 is ${local.sha256} (will be replaced)`, actualSha256: local.sha256 });
  }

  if (opts.offline) {
    const repack = await cachedRepack(source, distfilesDir, attempts);
    if (repack) return repack;
    throw missingError([{ source, file: dest, sha256: expected, present: local !== undefined }], attempts);
  }

  const candidates: { url: string; origin: 'mirror' | 'url' }[] = [
    ...(opts.mirrors ?? []).map((m) => ({ url: mirrorUrl(m, name), origin: 'mirror' as const })),
    ...source.urls.map((u) => ({ url: u, origin: 'url' as const })),
  ];
  if (candidates.length > 0) {
    const scratch = await makeTempDir(opts.tmpDir, '.fetch-');
    try {
      const tmpFile = path.join(scratch, name);
      for (const c of candidates) {
        try {
          const got = await downloadFile(c.url, tmpFile, {
            ca: opts.ca,
            allowHttp: opts.allowHttp,
            timeoutMs: opts.timeoutMs,
            retries: opts.retries,
            retryDelayMs: opts.retryDelayMs,
            onProgress: opts.onProgress && ((received, total) => opts.onProgress!({ file: name, received, ...(total === undefined ? {} : { total }) })),
          });
          if (got.sha256 === expected) {
            await install(tmpFile, dest, got.sha256);
            return { file: dest, sha256: got.sha256, origin: c.origin, url: got.finalUrl };
          }
          attempts.push({
            location: c.url + (got.finalUrl !== c.url ? ` (redirected to ${got.finalUrl})` : ''),
            outcome: `downloaded ${got.size} bytes, SHA-256 ${got.sha256}`,
            actualSha256: got.sha256,
          });
        } catch (err) {
          attempts.push({ location: c.url, outcome: err instanceof DownloadError ? err.message : String(err) });
        }
        // A wrong or partial file is never kept, not even in the temp dir.
        await fs.rm(tmpFile, { force: true });
      }
    } finally {
      await removeTree(scratch);
    }
  }

  if (source.debian) {
    const repack = await cachedRepack(source, distfilesDir, attempts);
    if (repack) return repack;
    const apt = await fetchFromApt(source, opts, attempts);
    if (apt) {
      try {
        // Identical bytes are upstream's file; a repack keeps Debian's name so it never passes for upstream.
        const target = apt.debian.repacked ? path.join(distfilesDir, apt.debian.origFile) : dest;
        await install(apt.file, target, apt.sha256);
        return { file: target, sha256: apt.sha256, origin: 'apt', debian: apt.debian };
      } finally {
        await removeTree(apt.scratch);
      }
    }
  }

  const mismatches = attempts.filter((a) => a.actualSha256 !== undefined && a.location !== dest);
  if (mismatches.length > 0) {
    throw new EngineError(
      'CHECKSUM_MISMATCH',
      `No copy of ${name} matched its SHA-256. Expected ${expected}` +
        (source.debian?.sha256 ? ` (or, from apt only, ${source.debian.sha256})` : '') +
        `; got ${[...new Set(mismatches.map((a) => a.actualSha256))].join(', ')}. Nothing was kept. Attempts:\n${describeAttempts(attempts)}\n` +
        'If upstream re-released the file, check the new one and update the sha256 in the recipe; otherwise a mirror or proxy is serving the wrong bytes.',
    );
  }
  throw new EngineError(
    'DOWNLOAD_FAILED',
    `Could not fetch ${name} (sha256 ${expected}). Attempts:\n${describeAttempts(attempts)}\n` +
      `Put a verified copy at ${dest}, add a mirror, or fix the URLs in the recipe.`,
  );
}

export interface MissingSource {
  source: UrlSource;
  /** Where the file is expected. */
  file: string;
  sha256: string;
  /** True when a file is there but has the wrong SHA-256. */
  present: boolean;
}

/**
 * Which tarball sources are not available and verified in distfiles (an earlier
 * apt repack counts). Local-path sources are ignored. For `--offline` and `fetch`.
 */
export async function missingSources(sources: readonly Source[], distfilesDir: string): Promise<MissingSource[]> {
  const out: MissingSource[] = [];
  const dir = path.resolve(distfilesDir);
  for (const source of sources) {
    if (isPathSource(source)) continue;
    const file = path.join(dir, distfileName(source));
    const h = await cachedSha256(file);
    if (h?.sha256 === source.sha256.toLowerCase()) continue;
    if (await cachedRepack(source, dir, [])) continue;
    out.push({ source, file, sha256: source.sha256, present: h !== undefined });
  }
  return out;
}

/** The SOURCE_MISSING error for offline use: each file, its SHA-256 and where to put it. */
export function missingError(missing: readonly MissingSource[], attempts: readonly FetchAttempt[] = []): EngineError {
  const lines = missing.map((m) => {
    const urls = m.source.urls.length > 0 ? ` (from ${m.source.urls.join(' or ')})` : '';
    const deb = m.source.debian ? `; or apt-get source --download-only ${m.source.debian.package}=${m.source.debian.version}` : '';
    return `  ${m.file}${m.present ? ' [present but wrong SHA-256]' : ''}\n    sha256 ${m.sha256}${urls}${deb}`;
  });
  const dir = missing[0] ? path.dirname(missing[0].file) : 'the distfiles directory';
  return new EngineError(
    'SOURCE_MISSING',
    `Offline, and ${missing.length === 1 ? 'a source tarball is' : `${missing.length} source tarballs are`} not in the distfiles directory ${dir}:\n${lines.join('\n')}\n` +
      (attempts.length > 0 ? `Looked at:\n${describeAttempts(attempts)}\n` : '') +
      'Copy the files there (names as shown, verified by SHA-256), or run `rootfs-engine fetch` on a machine with network access and share the distfiles directory.',
  );
}
