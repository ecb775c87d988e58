/**
 * The apt provider: get a recipe's tarball as Debian's orig tarball through
 * `apt-get source --download-only NAME=VERSION` (needs a `deb-src` entry).
 *
 * apt-get's exit status is not the verdict: it exits 100 when only the Debian
 * patch tarball is missing from the archive although the orig arrived intact.
 * The orig file and its SHA-256 decide. It is accepted when it equals the
 * upstream pin (byte-identical, stored under the upstream file name) or the
 * recipe's `debian.sha256` (a repack, stored under Debian's own orig name so it
 * can never pass for the upstream file).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { EngineError } from '../errors.ts';
import { sha256File, type Sha256 } from '../hash.ts';
import type { UrlSource } from '../recipe.ts';
import { archiveTopDir } from './extract.ts';
import { findExecutable, makeTempDir, removeTree } from './fsutil.ts';
import type { FetchAttempt, FetchedDebianInfo } from './types.ts';

export interface AptResult {
  /** The orig file in the temp dir (the caller moves it into distfiles). */
  file: string;
  sha256: Sha256;
  debian: FetchedDebianInfo;
  /** Temp dir to remove once the file is moved. */
  scratch: string;
}

/** `1:1.2.13.dfsg-1` -> `1.2.13.dfsg` (no epoch, no Debian revision). */
export function debianUpstreamVersion(version: string): string {
  const noEpoch = version.replace(/^\d+:/, '');
  const dash = noEpoch.lastIndexOf('-');
  return dash > 0 ? noEpoch.slice(0, dash) : noEpoch;
}

/** Candidate names of Debian's main orig tarball (the compression is not known in advance). */
export function debianOrigNames(pkg: string, version: string): string[] {
  const base = `${pkg}_${debianUpstreamVersion(version)}.orig.tar.`;
  return ['xz', 'gz', 'bz2', 'zst', 'lzma'].map((ext) => base + ext);
}

const ORIG_RE = /\.orig\.tar\.(gz|xz|bz2|zst|lzma)$/;

/**
 * Run apt-get source for `source.debian` and return the verified orig tarball.
 * Pushes what happened onto `attempts`; returns undefined when apt could not
 * provide a matching file.
 */
export async function fetchFromApt(
  source: UrlSource,
  opts: { tmpDir: string; aptGet?: string; timeoutMs?: number },
  attempts: FetchAttempt[],
): Promise<AptResult | undefined> {
  const deb = source.debian;
  if (!deb) return undefined;
  const spec = `${deb.package}=${deb.version}`;
  const location = `apt-get source ${spec}`;
  const aptGet = opts.aptGet ?? 'apt-get';
  if (!(await findExecutable(aptGet))) {
    attempts.push({ location, outcome: `${aptGet} is not installed (not a Debian/Ubuntu host)` });
    return undefined;
  }
  const scratch = await makeTempDir(opts.tmpDir, '.apt-');
  // apt drops privileges to _apt for downloads; a 0700 dir would make it warn and fall back to root.
  await fs.chmod(scratch, 0o755).catch(() => undefined);
  let keep = false;
  try {
    const r = await execa(aptGet, ['source', '--download-only', '--yes', spec], {
      cwd: scratch,
      reject: false,
      stdin: 'ignore',
      all: true,
      timeout: Math.max(opts.timeoutMs ?? 0, 600_000),
      env: { LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
    });
    const names = (await fs.readdir(scratch)).filter((n) => ORIG_RE.test(n) && !n.includes('.orig-'));
    const tail = String(r.all ?? '').trim().split('\n').slice(-4).join(' | ');
    if (names.length === 0) {
      const hint = /Unable to find a source package|You must put some 'deb-src'/i.test(tail)
        ? ' (is there a deb-src entry for the suite that carries this version? see .ci/apt-sources.sh)'
        : '';
      attempts.push({ location, outcome: `no orig tarball (exit ${r.exitCode ?? 'signal'}${hint}): ${tail}` });
      return undefined;
    }
    const origFile = names.sort()[0]!;
    const file = path.join(scratch, origFile);
    const sha256 = await sha256File(file);
    let repacked: boolean;
    if (sha256 === source.sha256) repacked = false;
    else if (deb.sha256 !== undefined && sha256 === deb.sha256) repacked = true;
    else {
      attempts.push({
        location: `${location} (${origFile})`,
        outcome: `SHA-256 is ${sha256}, neither the upstream pin${deb.sha256 ? ' nor debian.sha256' : ''}`,
        actualSha256: sha256,
      });
      return undefined;
    }
    const topDir = await archiveTopDir(file).catch(() => undefined);
    const debian: FetchedDebianInfo = { package: deb.package, version: deb.version, origFile, repacked };
    if (topDir !== undefined) debian.topDir = topDir;
    if (deb.topDir !== undefined && topDir !== undefined && deb.topDir !== topDir) {
      throw new EngineError(
        'SOURCE_MISSING',
        `Debian's ${origFile} (${spec}) has the top-level directory "${topDir}", but the recipe says debian.topDir is "${deb.topDir}". Fix debian.topDir in the recipe.`,
      );
    }
    keep = true;
    return { file, sha256, debian, scratch };
  } finally {
    if (!keep) await removeTree(scratch);
  }
}
