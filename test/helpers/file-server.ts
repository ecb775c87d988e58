/**
 * A local file server for the package tests: the files under a directory on
 * 127.0.0.1, over HTTP or HTTPS (with a certificate the test made), optionally
 * gzip-encoded when the client accepts it (so `curl --compressed` must inflate).
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface LocalFileServer {
  url: string;
  /** Content-Encoding of the last response (what the client was sent). */
  lastEncoding: () => string | undefined;
  close: () => Promise<void>;
}

export async function serveFiles(root: string, options: { tls?: { key: Buffer; cert: Buffer }; gzip?: boolean } = {}): Promise<LocalFileServer> {
  let encoding: string | undefined;
  const handler: http.RequestListener = (request, response) => {
    const file = path.join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname));
    fs.readFile(file).then(
      (body) => {
        encoding = options.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) ? 'gzip' : undefined;
        const headers = { 'content-type': 'application/octet-stream', ...(encoding ? { 'content-encoding': encoding } : {}) };
        response.writeHead(200, headers).end(encoding ? gzipSync(body) : body);
      },
      () => response.writeHead(404).end('not found\n'),
    );
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://localhost:${port}`,
    lastEncoding: () => encoding,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
