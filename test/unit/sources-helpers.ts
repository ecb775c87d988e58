/**
 * Test helpers for the sources tests: a throwaway HTTPS server with a certificate
 * generated per run (trusted through FetchOptions.ca only), and writers that craft
 * tar and zip archives byte by byte, so hostile entries (absolute paths, `..`,
 * devices...) can be produced without any archiver refusing to make them.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Header } from 'tar';

export const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

export async function tempDir(prefix = 'rfe-src-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

let certCache: { key: string; cert: string } | undefined;
/** A self-signed certificate for localhost/127.0.0.1, made with the openssl CLI. */
export function selfSignedCert(): { key: string; cert: string } {
  if (certCache) return certCache;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rfe-cert-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  certCache = { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  rmSync(dir, { recursive: true, force: true });
  return certCache;
}

export type Route =
  | { body: Buffer; dropFirst?: number }
  | { redirect: string; status?: number }
  | { status: number }
  /** Claims `claim` bytes, sends `body`, then cuts the connection. */
  | { truncate: Buffer; claim: number };

export interface TestServer {
  url: string;
  hits: Map<string, number>;
  routes: Map<string, Route>;
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Route> = {}): Promise<TestServer> {
  const { key, cert } = selfSignedCert();
  const hits = new Map<string, number>();
  const table = new Map(Object.entries(routes));
  const server = https.createServer({ key, cert }, (req, res) => {
    const p = new URL(req.url ?? '/', 'https://x').pathname;
    const n = (hits.get(p) ?? 0) + 1;
    hits.set(p, n);
    const route = table.get(p);
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    if ('redirect' in route) {
      res.writeHead(route.status ?? 302, { location: route.redirect }).end();
    } else if ('truncate' in route) {
      res.writeHead(200, { 'content-length': route.claim });
      res.write(route.truncate, () => res.socket?.destroy());
    } else if ('body' in route) {
      if (n <= (route.dropFirst ?? 0)) {
        // Half the body, then the connection dies: a transient failure.
        res.writeHead(200, { 'content-length': route.body.length });
        res.write(route.body.subarray(0, route.body.length >> 1), () => res.socket?.destroy());
        return;
      }
      res.writeHead(200, { 'content-length': route.body.length }).end(route.body);
    } else {
      res.writeHead(route.status).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    hits,
    routes: table,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface TarEntrySpec {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';
  body?: string;
  linkpath?: string;
  mode?: number;
  mtime?: Date;
}

/** A tar archive built header by header (ustar, names < 100 chars). */
export function makeTar(entries: readonly TarEntrySpec[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? (e.path.endsWith('/') ? 'Directory' : 'File');
    const body = Buffer.from(type === 'File' ? (e.body ?? '') : '');
    const h = new Header({
      path: e.path,
      type,
      mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      size: body.length,
      mtime: e.mtime ?? new Date('2024-01-02T03:04:05Z'),
      uid: 1000,
      gid: 1000,
      uname: 'u',
      gname: 'g',
      ...(e.linkpath !== undefined ? { linkpath: e.linkpath } : {}),
      ...(type === 'CharacterDevice' || type === 'BlockDevice' ? { devmaj: 1, devmin: 3 } : {}),
    });
    const block = Buffer.alloc(512);
    h.encode(block, 0);
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export type Compression = 'gz' | 'xz' | 'bz2' | 'zst';
export const COMPRESSIONS: readonly Compression[] = ['gz', 'xz', 'bz2', 'zst'];

export function compress(tar: Buffer, how: Compression): Buffer {
  switch (how) {
    case 'gz':
      return zlib.gzipSync(tar);
    case 'xz':
      return execFileSync('xz', ['-c', '-T1'], { input: tar });
    case 'bz2':
      return execFileSync('bzip2', ['-c'], { input: tar });
    case 'zst':
      return execFileSync('zstd', ['-c', '-q'], { input: tar });
  }
}

export interface ZipEntrySpec {
  name: string;
  body?: string;
  symlinkTo?: string;
  mode?: number;
}

/** A zip (stored, unix attributes) written by hand: names are not sanitised. */
export function makeZip(entries: readonly ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const data = Buffer.from(e.symlinkTo ?? e.body ?? '');
    const crc = zlib.crc32(data);
    const isDir = e.name.endsWith('/');
    const mode = e.symlinkTo !== undefined ? 0o120777 : isDir ? 0o40755 : 0o100000 | (e.mode ?? 0o644);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 30, 4); // made by unix
    central.writeUInt16LE(10, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((mode << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Every path below `dir` (relative, sorted), for before/after comparisons. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await fs.readdir(d);
    } catch {
      return;
    }
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      out.push(r);
      const st = await fs.lstat(path.join(d, n));
      if (st.isDirectory()) await walk(path.join(d, n), r);
    }
  };
  await walk(dir, '');
  return out.sort();
}
