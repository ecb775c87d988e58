/**
 * Types shared by the sources modules: what the fetcher needs and what it returns.
 */
import type { Sha256 } from '../hash.ts';

export interface FetchProgress {
  /** Distfiles name of the file being fetched. */
  file: string;
  received: number;
  /** From Content-Length; absent when the server does not say. */
  total?: number;
}

export interface FetchOptions {
  /** Where verified tarballs live, named as upstream names them. Shareable between build roots. */
  distfilesDir: string;
  /** Scratch space for partial downloads; same filesystem as distfilesDir makes the final rename atomic. */
  tmpDir: string;
  /** Base URLs tried (with `/<filename>`) before the recipe's own URLs. */
  mirrors?: readonly string[];
  /** Never touch the network or apt; only the distfiles directory is used. */
  offline?: boolean;
  /** Allow plain http:// URLs (and https -> http redirects). Off by default. */
  allowHttp?: boolean;
  /** Idle timeout per connection (no bytes for this long), default 30 s. */
  timeoutMs?: number;
  /** Extra attempts per URL after a transient failure, default 3. */
  retries?: number;
  /** First backoff delay in ms (doubles each retry), default 500. */
  retryDelayMs?: number;
  onProgress?: (e: FetchProgress) => void;
  /** The apt-get command (tests substitute a stub). Default `apt-get`. */
  aptGet?: string;
  /** Extra PEM CA certificate(s) trusted for HTTPS (on top of the system ones). */
  ca?: string | readonly string[];
}

export type FetchOrigin = 'distfiles' | 'mirror' | 'url' | 'apt';

export interface FetchedDebianInfo {
  package: string;
  version: string;
  /** Debian's orig tarball name, e.g. `toybox_0.8.9+dfsg.orig.tar.xz`. */
  origFile: string;
  /** The single top-level directory inside the archive, when there is one. */
  topDir?: string;
  /** True when the tarball is Debian's repack (verified with debian.sha256), not upstream's bytes. */
  repacked: boolean;
}

export interface FetchedSource {
  /** Absolute path of the verified file in the distfiles directory. */
  file: string;
  sha256: Sha256;
  origin: FetchOrigin;
  /** The URL the bytes came from (after redirects), for mirror/url origins. */
  url?: string;
  debian?: FetchedDebianInfo;
}

/** One place the fetcher looked, for error messages that list every attempt. */
export interface FetchAttempt {
  location: string;
  outcome: string;
  /** Set when the bytes arrived but had the wrong SHA-256. */
  actualSha256?: string;
}
