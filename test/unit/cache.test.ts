import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { initHashing, sha256String } from '../../engine/hash.ts';
import { acNameOf, CACHE_FORMAT, parseEntry, type CacheEntry, type CacheFile } from '../../engine/cache/entry.ts';
import { RemoteCache } from '../../engine/cache/remote.ts';
import { parseSize } from '../../engine/cli/cache.ts';
import { defaultCacheDir, resolveCacheSettings } from '../../engine/cache/settings.ts';
import { outputHashOf, type Manifest, type OutputHash } from '../../engine/store/manifest.ts';
import type { NodeKey } from '../../engine/store/state.ts';

const KEY = '0123456789abcdef' as NodeKey;

function entryOf(files: CacheFile[]): CacheEntry {
  const plain = files.map(({ sha256: _s, ...rest }) => rest) as Manifest;
  return { format: CACHE_FORMAT, key: KEY, id: 'x@host', outputHash: outputHashOf(plain), files, durationMs: 1, createdAt: 'now' };
}

describe('cache entries', () => {
  beforeAll(async () => {
    await initHashing();
  });

  it('name keys by a SHA-256 that differs per key', () => {
    expect(acNameOf(KEY)).toMatch(/^[0-9a-f]{64}$/);
    expect(acNameOf(KEY)).not.toBe(acNameOf('fedcba9876543210' as NodeKey));
    expect(acNameOf(KEY)).not.toBe(sha256String(KEY));
  });

  it('accept a well-formed entry and refuse what could escape or lie', () => {
    const file = { path: 'usr/bin/x', type: 'file' as const, mode: 0o755, size: 3, hash: 'aa', sha256: 'a'.repeat(64) };
    const good = entryOf([{ path: 'usr', type: 'dir', mode: 0o755 }, { path: 'usr/bin', type: 'dir', mode: 0o755 }, file]);
    expect(parseEntry(JSON.stringify(good), KEY)).toEqual(good);
    expect(parseEntry(JSON.stringify(good), 'ffffffffffffffff' as NodeKey)).toMatch(/stored for key/);
    expect(parseEntry('{', KEY)).toBe('it is not JSON');
    expect(parseEntry(JSON.stringify({ ...good, outputHash: 'bad' as OutputHash }), KEY)).toMatch(/does not match its output hash/);
    const escaping = entryOf([{ path: '..', type: 'dir', mode: 0o755 }]);
    expect(parseEntry(JSON.stringify(escaping), KEY)).toMatch(/unsafe path/);
    const absolute = entryOf([{ path: '/etc', type: 'dir', mode: 0o755 }]);
    expect(parseEntry(JSON.stringify(absolute), KEY)).toMatch(/unsafe path/);
    // A file below a symlink would be written wherever the link points.
    const throughLink = entryOf([{ path: 'lib', type: 'symlink', mode: 0o777, target: '/etc' }, { ...file, path: 'lib/passwd' }]);
    expect(parseEntry(JSON.stringify(throughLink), KEY)).toMatch(/without\) its directory/);
    const noSha = entryOf([{ path: 'x', type: 'file', mode: 0o644, size: 1, hash: 'aa' }]);
    expect(parseEntry(JSON.stringify(noSha), KEY)).toMatch(/without size, hash or sha256/);
  });
});

describe('cache settings', () => {
  it('parse sizes in binary units', () => {
    expect(parseSize('10G')).toBe(10 * 1024 ** 3);
    expect(parseSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('2000')).toBe(2000);
    expect(() => parseSize('ten')).toThrow(/is not a size/);
  });

  it('default to XDG_CACHE_HOME, let the command line win over the config, and turn off with --no-cache', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/rootfs-engine/cache');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(path.join(os.homedir(), '.cache', 'rootfs-engine', 'cache'));
    const config = { file: '/p/rootfs.config.ts', cache: { dir: 'c', url: 'https://a/b', readOnly: true } };
    expect(resolveCacheSettings({}, config, '/cwd')).toEqual({ dir: '/p/c', url: 'https://a/b', readOnly: true });
    expect(resolveCacheSettings({ cacheDir: 'd', cacheUrl: 'http://h/x' }, config, '/cwd')).toEqual({ dir: '/cwd/d', url: 'http://h/x', readOnly: true });
    expect(resolveCacheSettings({ cache: false }, config)).toBeUndefined();
    expect(() => resolveCacheSettings({ cacheUrl: 'ftp://h' }, config)).toThrow(/not an http/);
  });
});

describe('the remote cache client', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
  const serve = async (handler: http.RequestListener): Promise<string> => {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://user:secret@127.0.0.1:${(server.address() as AddressInfo).port}/prefix/`;
  };

  it('gives up after a timeout with one warning for the whole run', async () => {
    let requests = 0;
    const url = await serve(() => {
      requests += 1; // never answers
    });
    const warnings: string[] = [];
    const remote = new RemoteCache(url, { readOnly: false, timeoutMs: 300, warn: (m) => warnings.push(m) });
    expect(await remote.getEntry(acNameOf(KEY))).toBeUndefined();
    // Switched off: no more requests are sent (at most the first one ever arrives).
    expect(await remote.getEntry(acNameOf(KEY))).toBeUndefined();
    expect(await remote.putEntry(acNameOf(KEY), '{}')).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(requests).toBeLessThanOrEqual(1);
    expect(remote.available).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/is not usable \(it did not answer in time\); building locally/)]);
    expect(warnings[0]).not.toContain('secret');
  });

  it('sends credentials as Basic auth, treats 404 as a miss and a refused upload as read-only', async () => {
    const seen: Array<string | undefined> = [];
    const url = await serve((request, response) => {
      seen.push(request.headers.authorization);
      request.resume();
      response.writeHead(request.method === 'PUT' ? 403 : 404).end();
    });
    const warnings: string[] = [];
    const remote = new RemoteCache(url, { readOnly: false, warn: (m) => warnings.push(m) });
    expect(await remote.getEntry(acNameOf(KEY))).toBeUndefined();
    expect(remote.available).toBe(true);
    expect(await remote.putEntry(acNameOf(KEY), '{}')).toBe(false);
    expect(remote.readOnly).toBe(true);
    expect(await remote.putEntry(acNameOf(KEY), '{}')).toBe(false);
    expect(seen).toEqual([`Basic ${Buffer.from('user:secret').toString('base64')}`, `Basic ${Buffer.from('user:secret').toString('base64')}`]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/refused an upload of ac\/[0-9a-f]{64} \(HTTP 403 Forbidden\); nothing more is uploaded this run: check the server's write permission/);
  });

  it('keeps a downloaded blob only when its SHA-256 is its name', async () => {
    const body = Buffer.from('content\n');
    const sha = sha256String(body);
    const url = await serve((request, response) => {
      response.writeHead(200).end(request.url?.endsWith(sha) ? body : Buffer.from('other'));
    });
    const remote = new RemoteCache(url, { readOnly: true, warn: () => undefined });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'remote-blob-'));
    try {
      expect(await remote.fetchBlob(sha, path.join(dir, 'a'))).toBe('ok');
      expect(await fs.readFile(path.join(dir, 'a'), 'utf8')).toBe('content\n');
      expect(await remote.fetchBlob(sha256String('x') as typeof sha, path.join(dir, 'b'))).toBe('mismatch');
      await expect(fs.access(path.join(dir, 'b'))).rejects.toThrow();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('compareManifests', () => {
  it('lists content, mode, link target, type, missing and extra differences by path', async () => {
    const { compareManifests } = await import('../../engine/store/compare.ts');
    const f = (p: string, hash: string, mode = 0o644, size = 4) => ({ path: p, type: 'file' as const, mode, size, hash: hash as never });
    const recorded: Manifest = [
      { path: 'bin', type: 'dir', mode: 0o755 },
      f('bin/a', 'h1'),
      f('bin/b', 'h2', 0o755),
      { path: 'bin/c', type: 'symlink', mode: 0o777, target: 'a' },
      f('bin/gone', 'h3'),
      f('bin/kind', 'h4'),
      f('bin/same', 'h5'),
    ];
    const rebuilt: Manifest = [
      { path: 'bin', type: 'dir', mode: 0o755 },
      f('bin/a', 'hX', 0o644, 5),
      f('bin/b', 'h2', 0o644),
      { path: 'bin/c', type: 'symlink', mode: 0o777, target: 'b' },
      { path: 'bin/kind', type: 'symlink', mode: 0o777, target: 'same' },
      f('bin/new', 'h6'),
      f('bin/same', 'h5'),
    ];
    expect(compareManifests(recorded, rebuilt)).toEqual([
      { path: 'bin/a', what: 'content differs (4 -> 5 bytes)' },
      { path: 'bin/b', what: 'mode 0755 -> 0644' },
      { path: 'bin/c', what: 'symlink target a -> b' },
      { path: 'bin/gone', what: 'missing in the rebuild' },
      { path: 'bin/kind', what: 'was a file, is a symlink in the rebuild' },
      { path: 'bin/new', what: 'only in the rebuild' },
    ]);
    expect(compareManifests(recorded, recorded)).toEqual([]);
  });
});
