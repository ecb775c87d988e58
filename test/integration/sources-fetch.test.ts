import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UrlSource } from '../../engine/recipe.ts';
import { cachedSha256, fetchSource, missingSources, sidecarPath, type FetchOptions } from '../../engine/sources/index.ts';
import { compress, makeTar, selfSignedCert, sha256, startServer, tempDir, type TestServer } from '../unit/sources-helpers.ts';

let root: string;
let server: TestServer;
let opts: FetchOptions;
const TARBALL = compress(makeTar([{ path: 'pkg-1.0/' }, { path: 'pkg-1.0/README', body: randomBytes(60_000).toString('base64') }]), 'gz');
const SHA = sha256(TARBALL);
const WRONG = Buffer.concat([TARBALL.subarray(0, 100), Buffer.from('tampered'), TARBALL.subarray(108)]);

beforeAll(async () => {
  root = await tempDir();
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  await fs.rm(root, { recursive: true, force: true });
});

let n = 0;
beforeEach(async () => {
  n++;
  server.routes.clear();
  server.hits.clear();
  opts = {
    distfilesDir: path.join(root, `distfiles-${n}`),
    tmpDir: path.join(root, `tmp-${n}`),
    ca: selfSignedCert().cert,
    retryDelayMs: 10,
    timeoutMs: 5000,
  };
});

const src = (urls: string[], extra: Partial<UrlSource> = {}): UrlSource => ({ urls, sha256: SHA, filename: 'pkg-1.0.tar.gz', ...extra });

async function leftovers(): Promise<string[]> {
  return fs.readdir(opts.tmpDir).catch(() => []);
}

describe('fetchSource over HTTPS', () => {
  it('downloads, verifies, stores with a sidecar, then finds it in distfiles', async () => {
    server.routes.set('/dl/pkg-1.0.tar.gz', { body: TARBALL });
    const progress: number[] = [];
    const got = await fetchSource(src([`${server.url}/dl/pkg-1.0.tar.gz`]), { ...opts, onProgress: (e) => progress.push(e.received) });
    expect(got).toMatchObject({ origin: 'url', sha256: SHA, file: path.join(opts.distfilesDir, 'pkg-1.0.tar.gz') });
    expect(sha256(await fs.readFile(got.file))).toBe(SHA);
    expect(await fs.readFile(sidecarPath(got.file), 'utf8')).toMatch(new RegExp(`^${SHA}  pkg-1.0.tar.gz\n# size=`));
    expect(progress.at(-1)).toBe(TARBALL.length);
    expect(await leftovers()).toEqual([]);

    const again = await fetchSource(src([`${server.url}/dl/pkg-1.0.tar.gz`]), opts);
    expect(again.origin).toBe('distfiles');
    expect(server.hits.get('/dl/pkg-1.0.tar.gz')).toBe(1);
  });

  it('names the distfile after the last URL segment by default', async () => {
    server.routes.set('/x/pkg-1.0.tar.gz', { body: TARBALL });
    const got = await fetchSource({ urls: [`${server.url}/x/pkg-1.0.tar.gz?download=1`], sha256: SHA }, opts);
    expect(path.basename(got.file)).toBe('pkg-1.0.tar.gz');
  });

  it('follows redirects (relative and absolute)', async () => {
    server.routes.set('/a', { redirect: '/b', status: 301 });
    server.routes.set('/b', { redirect: `${server.url}/final/pkg.tgz`, status: 307 });
    server.routes.set('/final/pkg.tgz', { body: TARBALL });
    const got = await fetchSource(src([`${server.url}/a`]), opts);
    expect(got.url).toBe(`${server.url}/final/pkg.tgz`);
  });

  it('gives up after too many redirects', async () => {
    server.routes.set('/loop', { redirect: '/loop' });
    const err = await fetchSource(src([`${server.url}/loop`]), opts).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect((err as Error).message).toMatch(/more than 10 redirects/);
    expect(server.hits.get('/loop')).toBe(11);
  });

  it('retries after a dropped connection', async () => {
    server.routes.set('/flaky.tgz', { body: TARBALL, dropFirst: 2 });
    const got = await fetchSource(src([`${server.url}/flaky.tgz`]), opts);
    expect(got.origin).toBe('url');
    expect(server.hits.get('/flaky.tgz')).toBe(3);
    expect(sha256(await fs.readFile(got.file))).toBe(SHA);
  });

  it('fails on a checksum mismatch, keeping nothing and saying what arrived from where', async () => {
    server.routes.set('/evil.tgz', { body: WRONG });
    const err = await fetchSource(src([`${server.url}/evil.tgz`]), opts).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    const msg = (err as Error).message;
    expect(msg).toContain('pkg-1.0.tar.gz');
    expect(msg).toContain(SHA);
    expect(msg).toContain(sha256(WRONG));
    expect(msg).toContain(`${server.url}/evil.tgz`);
    expect(await fs.readdir(opts.distfilesDir).catch(() => [])).toEqual([]);
    expect(await leftovers()).toEqual([]);
  });

  it('treats a truncated transfer as transient, then fails with DOWNLOAD_FAILED', async () => {
    server.routes.set('/short.tgz', { truncate: TARBALL.subarray(0, TARBALL.length >> 1), claim: TARBALL.length });
    const err = await fetchSource(src([`${server.url}/short.tgz`]), { ...opts, retries: 2 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect((err as Error).message).toMatch(/3 attempts/);
    expect(server.hits.get('/short.tgz')).toBe(3);
    expect(await leftovers()).toEqual([]);
    expect(await fs.readdir(opts.distfilesDir).catch(() => [])).toEqual([]);
  });

  it('a truncated file served whole is a checksum mismatch', async () => {
    server.routes.set('/cut.tgz', { body: TARBALL.subarray(0, TARBALL.length - 10) });
    await expect(fetchSource(src([`${server.url}/cut.tgz`]), opts)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
  });

  it('does not retry a 404, and moves on to the next URL', async () => {
    server.routes.set('/good.tgz', { body: TARBALL });
    const got = await fetchSource(src([`${server.url}/missing.tgz`, `${server.url}/good.tgz`]), opts);
    expect(got.url).toBe(`${server.url}/good.tgz`);
    expect(server.hits.get('/missing.tgz')).toBe(1);
  });

  it('tries mirrors in order before the URLs; a bad mirror falls through', async () => {
    server.routes.set('/m2/pkg-1.0.tar.gz', { body: WRONG });
    server.routes.set('/m3/pkg-1.0.tar.gz', { body: TARBALL });
    server.routes.set('/upstream/pkg-1.0.tar.gz', { body: TARBALL });
    const got = await fetchSource(src([`${server.url}/upstream/pkg-1.0.tar.gz`]), {
      ...opts,
      mirrors: [`${server.url}/m1`, `${server.url}/m2/`, `${server.url}/m3`],
    });
    expect(got).toMatchObject({ origin: 'mirror', url: `${server.url}/m3/pkg-1.0.tar.gz` });
    expect(server.hits.get('/m1/pkg-1.0.tar.gz')).toBe(1);
    expect(server.hits.get('/m2/pkg-1.0.tar.gz')).toBe(1);
    expect(server.hits.get('/upstream/pkg-1.0.tar.gz')).toBeUndefined();
  });

  it('lists every attempt when nothing matches', async () => {
    server.routes.set('/m/pkg-1.0.tar.gz', { body: WRONG });
    server.routes.set('/u/pkg-1.0.tar.gz', { body: WRONG });
    const err = await fetchSource(src([`${server.url}/u/pkg-1.0.tar.gz`]), { ...opts, mirrors: [`${server.url}/m`, `${server.url}/nothing`] }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    const msg = (err as Error).message;
    expect(msg).toContain('1. ' + `${server.url}/m/pkg-1.0.tar.gz`);
    expect(msg).toContain('2. ' + `${server.url}/nothing/pkg-1.0.tar.gz: HTTP 404`);
    expect(msg).toContain('3. ' + `${server.url}/u/pkg-1.0.tar.gz`);
  });

  it('replaces a corrupt file in distfiles', async () => {
    await fs.mkdir(opts.distfilesDir, { recursive: true });
    await fs.writeFile(path.join(opts.distfilesDir, 'pkg-1.0.tar.gz'), 'garbage');
    server.routes.set('/p.tgz', { body: TARBALL });
    const got = await fetchSource(src([`${server.url}/p.tgz`]), opts);
    expect(got.origin).toBe('url');
    expect(sha256(await fs.readFile(got.file))).toBe(SHA);
  });

  it('refuses plain HTTP unless allowed, and an untrusted certificate', async () => {
    const err = await fetchSource(src(['http://127.0.0.1:9/pkg.tgz']), opts).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/plain HTTP is off/);
    server.routes.set('/t.tgz', { body: TARBALL });
    const untrusted = await fetchSource(src([`${server.url}/t.tgz`]), { ...opts, ca: undefined }).catch((e: unknown) => e);
    expect(untrusted).toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect(server.hits.get('/t.tgz') ?? 0).toBe(0);
  });
});

describe('offline', () => {
  it('never touches the network and lists what is missing, its sha256 and where to put it', async () => {
    server.routes.set('/o.tgz', { body: TARBALL });
    const s = src([`${server.url}/o.tgz`]);
    const err = await fetchSource(s, { ...opts, offline: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_MISSING' });
    const msg = (err as Error).message;
    expect(msg).toContain(path.join(opts.distfilesDir, 'pkg-1.0.tar.gz'));
    expect(msg).toContain(SHA);
    expect(msg).toContain(`${server.url}/o.tgz`);
    expect(server.hits.size).toBe(0);

    const missing = await missingSources([s, { path: './local' }], opts.distfilesDir);
    expect(missing.map((m) => [path.basename(m.file), m.sha256, m.present])).toEqual([['pkg-1.0.tar.gz', SHA, false]]);

    await fetchSource(s, opts);
    expect(await missingSources([s], opts.distfilesDir)).toEqual([]);
    expect((await fetchSource(s, { ...opts, offline: true })).origin).toBe('distfiles');
  });
});

describe('sidecar fast path', () => {
  it('does not re-hash an unchanged file, and re-hashes a changed one', async () => {
    const file = path.join(root, 'sidecar', 'big.tar.gz');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, TARBALL);
    expect(await cachedSha256(file)).toEqual({ sha256: SHA, hashed: true });
    expect(await cachedSha256(file)).toEqual({ sha256: SHA, hashed: false });
    // Same size, new content and mtime: must be hashed again, not believed.
    await fs.writeFile(file, WRONG);
    expect(await cachedSha256(file)).toEqual({ sha256: sha256(WRONG), hashed: true });
    await fs.utimes(file, new Date(), new Date(Date.now() + 5000));
    expect((await cachedSha256(file))?.hashed).toBe(true);
  });
});
