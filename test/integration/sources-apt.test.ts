/**
 * The apt provider: first against a stub apt-get (exit status, naming, repacks),
 * then against the real Debian archive (musl 1.2.5 from trixie, identical to
 * upstream; toybox 0.8.9+dfsg, a repack). The real tests need apt-get and deb-src
 * entries (.ci/apt-sources.sh); they skip with a reason elsewhere, never in CI.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UrlSource } from '../../engine/recipe.ts';
import { extractArchive, fetchSource, missingSources, type FetchOptions } from '../../engine/sources/index.ts';
import { compress, makeTar, sha256, tempDir } from '../unit/sources-helpers.ts';

let root: string;
beforeAll(async () => {
  root = await tempDir('rfe-apt-');
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A fake apt-get that drops `file` as `name` into its cwd and exits like apt does when the debian tarball 404s. */
async function stubAptGet(file: string, name: string, exit = 100): Promise<string> {
  const script = path.join(root, `apt-get-${Math.random().toString(36).slice(2)}`);
  await fs.writeFile(script, `#!/bin/sh\necho "$@" > ./.args\ncp '${file}' './${name}'\necho 'E: Failed to fetch x.debian.tar.xz 404 Not Found' >&2\nexit ${exit}\n`, { mode: 0o755 });
  return script;
}

describe('apt provider (stub apt-get)', () => {
  const upstream = compress(makeTar([{ path: 'foo-1.0/' }, { path: 'foo-1.0/a', body: 'a' }]), 'gz');
  const repack = compress(makeTar([{ path: 'foo-1.0/' }]), 'xz');
  const base = (): UrlSource => ({
    urls: [],
    filename: 'foo-1.0.tar.gz',
    sha256: sha256(upstream),
    debian: { package: 'foo', version: '1:1.0+dfsg-2', sha256: sha256(repack) },
  });
  const options = (n: string, aptGet: string): FetchOptions => ({
    distfilesDir: path.join(root, n, 'distfiles'),
    tmpDir: path.join(root, n, 'tmp'),
    aptGet,
  });

  it('takes an identical orig despite exit 100 and stores it under the upstream name', async () => {
    const orig = path.join(root, 'orig-identical');
    await fs.writeFile(orig, upstream);
    const o = options('identical', await stubAptGet(orig, 'foo_1.0+dfsg.orig.tar.gz'));
    const got = await fetchSource(base(), o);
    expect(got).toMatchObject({
      origin: 'apt',
      file: path.join(o.distfilesDir, 'foo-1.0.tar.gz'),
      debian: { package: 'foo', version: '1:1.0+dfsg-2', origFile: 'foo_1.0+dfsg.orig.tar.gz', topDir: 'foo-1.0', repacked: false },
    });
    expect(await fs.readdir(o.tmpDir)).toEqual([]);
  });

  it('accepts a repack only by debian.sha256, under Debian\'s name, and finds it again offline', async () => {
    const orig = path.join(root, 'orig-repack');
    await fs.writeFile(orig, repack);
    const o = options('repack', await stubAptGet(orig, 'foo_1.0+dfsg.orig.tar.xz'));
    const got = await fetchSource(base(), o);
    expect(got).toMatchObject({ origin: 'apt', file: path.join(o.distfilesDir, 'foo_1.0+dfsg.orig.tar.xz'), debian: { repacked: true } });
    await expect(fs.access(path.join(o.distfilesDir, 'foo-1.0.tar.gz'))).rejects.toThrow();
    const offline = await fetchSource(base(), { ...o, offline: true });
    expect(offline).toMatchObject({ origin: 'distfiles', file: got.file, debian: { repacked: true } });
    expect(await missingSources([base()], o.distfilesDir)).toEqual([]);
  });

  it('refuses an orig that matches neither pin', async () => {
    const orig = path.join(root, 'orig-wrong');
    await fs.writeFile(orig, 'not it');
    const o = options('wrong', await stubAptGet(orig, 'foo_1.0+dfsg.orig.tar.gz'));
    const err = await fetchSource(base(), o).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect((err as Error).message).toContain('apt-get source foo=1:1.0+dfsg-2');
    expect(await fs.readdir(o.distfilesDir).catch(() => [])).toEqual([]);
    expect(await fs.readdir(o.tmpDir)).toEqual([]);
  });

  it('does not run apt offline, and says when apt-get is absent', async () => {
    const o = options('absent', path.join(root, 'no-such-apt-get'));
    await expect(fetchSource(base(), { ...o, offline: true })).rejects.toMatchObject({ code: 'SOURCE_MISSING' });
    const err = await fetchSource(base(), o).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/not installed/);
  });
});

// ---- the real Debian archive -------------------------------------------------

const MUSL: UrlSource = {
  urls: ['https://musl.libc.org/releases/musl-1.2.5.tar.gz'],
  // Equal to Debian's musl_1.2.5.orig.tar.gz, whose upstream signature (musl-1.2.5.tar.gz.asc,
  // key 836489290BB6B70F99FFDA0556BCDB593020450F) verifies over these bytes.
  sha256: 'a9a118bbe84d8764da0ea0d28b3ab3fae8477fc7e4085d90102b8596fc7c75e4',
  debian: { package: 'musl', version: '1.2.5-3.1~deb13u1' },
};
const TOYBOX: UrlSource = {
  urls: ['https://landley.net/toybox/downloads/toybox-0.8.9.tar.gz'],
  // Upstream's own sha256 was not verifiable offline; this pin only has to differ from the repack.
  sha256: '0000000000000000000000000000000000000000000000000000000000000000',
  debian: { package: 'toybox', version: '0.8.9+dfsg-1', sha256: '16fb5967531e88ca33b8c9142376987617ebe52e34e2b3f3a779603674b7d07c', topDir: 'toybox-0.8.9' },
};

/** Why the real-archive tests cannot run here, or undefined when they can. */
function aptUnavailable(): string | undefined {
  try {
    execFileSync('apt-get', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'apt-get is not installed (not a Debian/Ubuntu host)';
  }
  for (const s of [MUSL, TOYBOX]) {
    const out = (() => {
      try {
        return execFileSync('apt-cache', ['showsrc', s.debian!.package], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        return '';
      }
    })();
    if (!out.includes(`Version: ${s.debian!.version}\n`)) {
      return `no deb-src entry carries ${s.debian!.package} ${s.debian!.version}; run .ci/apt-sources.sh as root`;
    }
  }
  return undefined;
}

const reason = aptUnavailable();
const inCI = process.env.CI === 'true' || process.env.CI === '1';
if (reason && !inCI) console.warn(`[sources-apt] skipping the real Debian archive tests: ${reason}`);
/** Shared between build roots and test runs, keyed by sha256 (see ROOTFS_ENGINE_TEST_DISTFILES). */
const CACHE = process.env.ROOTFS_ENGINE_TEST_DISTFILES ?? '/var/cache/rootfs-engine-test/distfiles';

async function keepInCache(file: string, sha: string): Promise<void> {
  const dir = path.join(CACHE, 'by-sha256', sha);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.copyFile(file, path.join(dir, path.basename(file)));
  } catch {
    // A read-only or absent cache only costs a future download.
  }
}

describe.skipIf(reason !== undefined && !inCI)('apt provider (real Debian archive)', () => {
  it('guard: the archive is reachable in CI', () => {
    expect(reason, reason).toBeUndefined();
  });

  it('musl 1.2.5 from trixie is byte-identical to upstream', async () => {
    const o: FetchOptions = { distfilesDir: path.join(root, 'real', 'distfiles'), tmpDir: path.join(root, 'real', 'tmp') };
    // No URLs: in CI with internet the upstream URL would win and apt would go untested.
    const got = await fetchSource({ ...MUSL, urls: [], filename: 'musl-1.2.5.tar.gz' }, o);
    expect(got).toMatchObject({
      origin: 'apt',
      sha256: MUSL.sha256,
      file: path.join(o.distfilesDir, 'musl-1.2.5.tar.gz'),
      debian: { package: 'musl', origFile: 'musl_1.2.5.orig.tar.gz', topDir: 'musl-1.2.5', repacked: false },
    });
    const dest = path.join(root, 'real', 'musl');
    await extractArchive(got.file, dest, { tmpDir: o.tmpDir });
    expect(await fs.readFile(path.join(dest, 'VERSION'), 'utf8')).toBe('1.2.5\n');
    await keepInCache(got.file, got.sha256);
  }, 120_000);

  it('toybox 0.8.9+dfsg is a repack, accepted through debian.sha256 and kept under Debian\'s name', async () => {
    const o: FetchOptions = { distfilesDir: path.join(root, 'real', 'distfiles'), tmpDir: path.join(root, 'real', 'tmp') };
    const got = await fetchSource({ ...TOYBOX, urls: [], filename: 'toybox-0.8.9.tar.gz' }, o);
    expect(got).toMatchObject({
      origin: 'apt',
      sha256: TOYBOX.debian!.sha256,
      file: path.join(o.distfilesDir, 'toybox_0.8.9+dfsg.orig.tar.xz'),
      debian: { origFile: 'toybox_0.8.9+dfsg.orig.tar.xz', topDir: 'toybox-0.8.9', repacked: true },
    });
    const dest = path.join(root, 'real', 'toybox');
    const r = await extractArchive(got.file, dest, { tmpDir: o.tmpDir });
    expect(r.topDir).toBe('toybox-0.8.9');
    expect((await fs.stat(path.join(dest, 'scripts', 'make.sh'))).mode & 0o111).not.toBe(0);
    await keepInCache(got.file, got.sha256);

    // Offline, a shared distfiles dir that already holds the repack is enough.
    const offline = await fetchSource({ ...TOYBOX, urls: [] , filename: 'toybox-0.8.9.tar.gz' }, { ...o, offline: true });
    expect(offline).toMatchObject({ origin: 'distfiles', debian: { repacked: true } });
  }, 120_000);
});
