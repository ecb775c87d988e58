/**
 * Download one URL to a file: HTTPS (plain HTTP only when allowed), redirects,
 * an idle timeout, retries with exponential backoff for transient failures, and
 * progress. The SHA-256 is computed while the bytes stream to disk so the caller
 * can verify without reading the file again. The caller owns `destFile` (a temp
 * path) and decides whether to keep it.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tls from 'node:tls';
import type { Sha256 } from '../hash.ts';

export interface DownloadOptions {
  ca?: string | readonly string[];
  allowHttp?: boolean;
  timeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
  maxRedirects?: number;
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface DownloadResult {
  sha256: Sha256;
  size: number;
  /** The URL that finally answered 200, after redirects. */
  finalUrl: string;
}

/** A failed download; `transient` failures are worth another try. */
export class DownloadError extends Error {
  readonly transient: boolean;
  constructor(message: string, transient: boolean) {
    super(message);
    this.name = 'DownloadError';
    this.transient = transient;
  }
}

const USER_AGENT = 'rootfs-engine (source fetcher)';

const agents = new Map<string, https.Agent>();
function httpsAgent(ca: string | readonly string[] | undefined): https.Agent | undefined {
  if (ca === undefined) return undefined;
  const extra = typeof ca === 'string' ? [ca] : [...ca];
  const key = extra.join('\n');
  let agent = agents.get(key);
  if (!agent) {
    // `ca` replaces Node's bundled roots, so keep them: an extra CA is added trust, not a swap.
    agent = new https.Agent({ ca: [...tls.rootCertificates, ...extra], keepAlive: false });
    agents.set(key, agent);
  }
  return agent;
}

type Hop = { kind: 'redirect'; location: string } | { kind: 'done'; sha256: Sha256; size: number };

function requestOnce(url: URL, destFile: string, opts: DownloadOptions): Promise<Hop> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise<Hop>((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const mod = isHttps ? https : http;
    const agent = isHttps ? httpsAgent(opts.ca) : undefined;
    const req = mod.get(url, { agent, headers: { 'user-agent': USER_AGENT, accept: '*/*' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304 && res.headers.location) {
        res.resume();
        resolve({ kind: 'redirect', location: res.headers.location });
        return;
      }
      if (status !== 200) {
        res.resume();
        // Server errors and rate limits pass; a 404 or 403 will not fix itself.
        const transient = status >= 500 || status === 408 || status === 429;
        reject(new DownloadError(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, transient));
        return;
      }
      const lengthHeader = res.headers['content-length'];
      const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
      const hash = createHash('sha256');
      let received = 0;
      let lastReport = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          received += chunk.length;
          hash.update(chunk);
          // Throttled: progress for a 150 MB file must not flood the caller.
          const now = Date.now();
          if (opts.onProgress && (now - lastReport > 200 || received === total)) {
            lastReport = now;
            opts.onProgress(received, total);
          }
          cb(null, chunk);
        },
      });
      pipeline(res, meter, createWriteStream(destFile, { mode: 0o644 }))
        .then(() => {
          if (total !== undefined && received !== total) {
            reject(new DownloadError(`connection closed after ${received} of ${total} bytes (truncated)`, true));
            return;
          }
          opts.onProgress?.(received, total);
          resolve({ kind: 'done', sha256: hash.digest('hex') as Sha256, size: received });
        })
        .catch((err: unknown) => {
          const what = err instanceof Error ? err.message : String(err);
          reject(new DownloadError(`connection failed after ${received}${total !== undefined ? ` of ${total}` : ''} bytes (${what})`, true));
        });
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy(new DownloadError(`no data for ${Math.round(timeoutMs / 1000)} s (timeout)`, true));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof DownloadError) {
        reject(err);
        return;
      }
      // Certificate problems are configuration, not luck: retrying will not help.
      const permanent = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(err.code ?? '') || err.code === 'ENOTFOUND';
      reject(new DownloadError(`${err.code ?? 'error'}: ${err.message}`, !permanent));
    });
  });
}

async function followRedirects(start: string, destFile: string, opts: DownloadOptions): Promise<DownloadResult> {
  const maxRedirects = opts.maxRedirects ?? 10;
  let current = new URL(start);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'https:' && !(current.protocol === 'http:' && opts.allowHttp)) {
      const why = current.protocol === 'http:' ? 'plain HTTP is off (allowHttp)' : 'unsupported scheme';
      throw new DownloadError(`refusing ${current.href}: ${why}`, false);
    }
    const result = await requestOnce(current, destFile, opts);
    if (result.kind === 'done') return { sha256: result.sha256, size: result.size, finalUrl: current.href };
    if (hop >= maxRedirects) throw new DownloadError(`more than ${maxRedirects} redirects`, false);
    current = new URL(result.location, current);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Download `url` into `destFile` (overwritten), retrying transient failures.
 * Throws DownloadError with every attempt's reason in the message.
 */
export async function downloadFile(url: string, destFile: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const retries = opts.retries ?? 3;
  const baseDelay = opts.retryDelayMs ?? 500;
  const reasons: string[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      return await followRedirects(url, destFile, opts);
    } catch (err) {
      const e = err instanceof DownloadError ? err : new DownloadError(String(err), true);
      reasons.push(e.message);
      if (!e.transient || attempt >= retries) {
        const summary = reasons.length > 1 ? `${reasons.length} attempts: ${reasons.join('; ')}` : e.message;
        throw new DownloadError(summary, e.transient);
      }
      await sleep(baseDelay * 2 ** attempt);
    }
  }
}
