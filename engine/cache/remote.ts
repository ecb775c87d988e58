/**
 * The remote artifact cache: the same entries and blobs as the local cache, over
 * HTTP in the layout of Bazel's HTTP cache, so bazel-remote, nginx with WebDAV or
 * any server that stores what is PUT and returns it on GET works:
 *
 *   GET/PUT <url>/ac/<ac-name>    action entry (JSON, entry.ts)
 *   GET/PUT <url>/cas/<sha256>    blob
 *   HEAD    <url>/cas/<sha256>    "already uploaded?" before a PUT
 *
 * Nothing that comes back is trusted: the caller parses and checks entries, and
 * every blob is hashed while it is downloaded and kept only if its SHA-256 is its
 * name. A network failure (refused, reset, timeout, 5xx) switches the remote off
 * for the rest of the run after one warning: the build goes on locally.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, openAsBlob, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Sha256 } from '../hash.ts';
import { hashing } from './local.ts';

export interface RemoteOptions {
  readOnly: boolean;
  /** Per-request limit for entries and HEAD requests. */
  timeoutMs?: number;
  /** Per-request limit for blob transfers. */
  blobTimeoutMs?: number;
  warn: (message: string) => void;
}

export type BlobFetch = 'ok' | 'missing' | 'mismatch' | 'unavailable';

class RemoteFailure extends Error {}

export class RemoteCache {
  private readonly base: string;
  private readonly headers: Record<string, string> = {};
  private disabled = false;
  private uploadsDisabled = false;
  readonly shown: string;

  constructor(
    url: string,
    private readonly options: RemoteOptions,
  ) {
    const parsed = new URL(url);
    // fetch refuses URLs with credentials: move them into a Basic auth header.
    if (parsed.username || parsed.password) {
      const user = decodeURIComponent(parsed.username);
      const password = decodeURIComponent(parsed.password);
      this.headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      parsed.username = '';
      parsed.password = '';
    }
    this.base = parsed.toString().replace(/\/+$/, '');
    this.shown = this.base;
  }

  get readOnly(): boolean {
    return this.options.readOnly || this.uploadsDisabled;
  }

  get available(): boolean {
    return !this.disabled;
  }

  /** The entry's text; undefined when the server has none (or is off). */
  async getEntry(acName: Sha256): Promise<string | undefined> {
    const response = await this.request('GET', `ac/${acName}`, this.options.timeoutMs ?? 30_000);
    if (!response) return undefined;
    return response.text();
  }

  /** Download a blob to `file`, checking its SHA-256; the file is removed unless 'ok'. */
  async fetchBlob(sha: Sha256, file: string): Promise<BlobFetch> {
    const response = await this.request('GET', `cas/${sha}`, this.options.blobTimeoutMs ?? 600_000);
    if (!response) return this.disabled ? 'unavailable' : 'missing';
    if (!response.body) return 'missing';
    const hash = createHash('sha256');
    try {
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), hashing(hash), createWriteStream(file));
    } catch (error) {
      await fs.rm(file, { force: true });
      this.fail(error);
      return 'unavailable';
    }
    if (hash.digest('hex') !== sha) {
      await fs.rm(file, { force: true });
      return 'mismatch';
    }
    return 'ok';
  }

  async hasBlob(sha: Sha256): Promise<boolean> {
    return (await this.request('HEAD', `cas/${sha}`, this.options.timeoutMs ?? 30_000)) !== undefined;
  }

  async putBlob(sha: Sha256, file: string): Promise<boolean> {
    return this.put(`cas/${sha}`, await openAsBlob(file), this.options.blobTimeoutMs ?? 600_000);
  }

  async putEntry(acName: Sha256, text: string): Promise<boolean> {
    return this.put(`ac/${acName}`, text, this.options.timeoutMs ?? 30_000);
  }

  private async put(rel: string, body: Blob | string, timeoutMs: number): Promise<boolean> {
    if (this.readOnly || this.disabled) return false;
    let response: Response;
    try {
      response = await fetch(`${this.base}/${rel}`, { method: 'PUT', body, headers: this.headers, signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      this.fail(error);
      return false;
    }
    if (response.ok) return true;
    if (response.status >= 500) {
      this.fail(new RemoteFailure(`HTTP ${response.status} ${response.statusText}`));
      return false;
    }
    // Refused (401, 403, 405...): downloads may still work; stop trying to upload.
    this.uploadsDisabled = true;
    const hint =
      response.status === 400 && rel.startsWith('ac/')
        ? 'bazel-remote refuses entries that are not Bazel ActionResults unless it runs with --disable_http_ac_validation'
        : "check the server's write permission, or use --cache-read-only for a client that should only download";
    this.options.warn(`The remote cache ${this.shown} refused an upload of ${rel} (HTTP ${response.status} ${response.statusText}); nothing more is uploaded this run: ${hint}.`);
    return false;
  }

  /** A 2xx response, or undefined for 404 (a miss) and for failures (after `fail`). */
  private async request(method: 'GET' | 'HEAD', rel: string, timeoutMs: number): Promise<Response | undefined> {
    if (this.disabled) return undefined;
    let response: Response;
    try {
      response = await fetch(`${this.base}/${rel}`, { method, headers: this.headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      this.fail(error);
      return undefined;
    }
    if (response.ok) return response;
    await response.arrayBuffer().catch(() => undefined);
    if (response.status === 404) return undefined;
    this.fail(new RemoteFailure(`HTTP ${response.status} ${response.statusText}`));
    return undefined;
  }

  private fail(error: unknown): void {
    if (this.disabled) return;
    this.disabled = true;
    const cause = error as Error & { cause?: { code?: string; message?: string } };
    const detail =
      cause?.name === 'TimeoutError'
        ? 'it did not answer in time'
        : cause?.cause?.code
          ? `${cause.cause.code}${cause.cause.message ? `: ${cause.cause.message}` : ''}`
          : (cause?.message ?? String(error));
    this.options.warn(`The remote cache ${this.shown} is not usable (${detail}); building locally and not asking it again this run.`);
  }
}
