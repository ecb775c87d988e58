/**
 * A remote cache for tests: an in-process node:http server that stores what is
 * PUT under /ac/ and /cas/ and returns it on GET and HEAD, like bazel-remote or
 * nginx with WebDAV. It can be told to tamper with the blobs it returns.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CacheServer {
  url: string;
  store: Map<string, Buffer>;
  requests: Array<{ method: string; path: string; status: number }>;
  /** Return other bytes for every /cas/ GET. */
  tamper: boolean;
  close(): Promise<void>;
}

export async function startCacheServer(prefix = '/cache'): Promise<CacheServer> {
  const state: CacheServer = {
    url: '',
    store: new Map(),
    requests: [],
    tamper: false,
    close: async () => undefined,
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '';
      const reply = (status: number, body?: Buffer): void => {
        state.requests.push({ method: request.method ?? '', path: url, status });
        response.writeHead(status, body ? { 'content-length': body.length } : {});
        response.end(request.method === 'HEAD' ? undefined : body);
      };
      if (!url.startsWith(`${prefix}/ac/`) && !url.startsWith(`${prefix}/cas/`)) return reply(404);
      const name = url.slice(prefix.length);
      if (request.method === 'PUT') {
        state.store.set(name, Buffer.concat(chunks));
        return reply(201);
      }
      const stored = state.store.get(name);
      if (!stored) return reply(404);
      if (state.tamper && name.startsWith('/cas/')) return reply(200, Buffer.concat([stored, Buffer.from('tampered')]));
      return reply(200, stored);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
