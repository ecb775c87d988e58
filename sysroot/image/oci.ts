/**
 * OCI image layout (image-spec v1.0): a directory that `skopeo copy oci:DIR ...`,
 * `podman load` (as an oci-dir) and other OCI tools read as one single-layer image.
 *
 *   DIR/oci-layout            {"imageLayoutVersion":"1.0.0"}
 *   DIR/index.json            the manifest's descriptor, with its platform and ref name
 *   DIR/blobs/sha256/<hex>    the layer (gzip'd tar), the image config, the manifest
 *
 * Reproducible like the other formats:
 * - the layer is the tar writer's archive (root owners, SOURCE_DATE_EPOCH, C path order,
 *   no device nodes: a container runtime provides /dev), gzip'd at level 9 with the same
 *   pinned header as the cpio image; rootfs.diff_ids holds the sha256 of the uncompressed
 *   archive, the manifest the sha256 and size of the compressed blob;
 * - the config's `created` and its one history entry are SOURCE_DATE_EPOCH, no other
 *   time, host or user appears anywhere;
 * - JSON is written with a fixed key order and no trailing newline, so the digests depend
 *   only on the content.
 * The directory is written beside the destination and renamed into place, so a reader
 * never sees a half-written layout and no stale blobs survive a rebuild.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zc } from 'node:zlib';
import { fixGzipHeader } from './cpio.ts';
import { tarChunks } from './tar.ts';
import { checkMtime, tempSibling } from './walk.ts';

export const OCI_MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface OciPlatform {
  /** GOARCH name: amd64, 386, arm, arm64. */
  architecture: string;
  /** CPU variant, e.g. v7 for arm. */
  variant?: string;
}

export interface OciOptions {
  /** Seconds since the epoch for every entry and for `created` (SOURCE_DATE_EPOCH). */
  mtime: number;
  platform: OciPlatform;
  /** org.opencontainers.image.ref.name of the image in index.json (`oci:DIR:REF`). */
  refName?: string;
  /** The command a container runs (default /bin/sh). */
  cmd?: readonly string[];
  /** Environment of a container (default a PATH over /usr/bin and /bin). */
  env?: readonly string[];
}

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export const DEFAULT_OCI_REF = 'latest';
const DEFAULT_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

/** A pass-through stream that counts and hashes what flows by. */
class Digester extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }
}

async function digestFile(file: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Stores `data` as a blob and returns its descriptor. */
async function writeBlob(blobs: string, mediaType: string, data: Buffer): Promise<OciDescriptor> {
  const hex = createHash('sha256').update(data).digest('hex');
  await writeFile(path.join(blobs, hex), data);
  return { mediaType, digest: `sha256:${hex}`, size: data.length };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** The layer: the reproducible tar of `root`, gzip'd, stored under its digest. */
async function writeLayer(root: string, blobs: string, mtime: number): Promise<{ layer: OciDescriptor; diffId: string }> {
  const tmp = path.join(blobs, '.layer.tmp');
  const uncompressed = new Digester();
  await pipeline(Readable.from(await tarChunks(root, { mtime })), uncompressed, createGzip({ level: zc.Z_BEST_COMPRESSION }), createWriteStream(tmp));
  await fixGzipHeader(tmp);
  const { digest, size } = await digestFile(tmp);
  await rename(tmp, path.join(blobs, digest.slice('sha256:'.length)));
  return { layer: { mediaType: OCI_MEDIA_TYPES.layer, digest, size }, diffId: `sha256:${uncompressed.hash.digest('hex')}` };
}

/** Writes `root` as a single-layer OCI image layout in the directory `dir` (replaced). */
export async function writeOciLayout(root: string, dir: string, opts: OciOptions): Promise<OciDescriptor> {
  checkMtime(opts.mtime);
  const created = new Date(opts.mtime * 1000).toISOString().replace('.000Z', 'Z');
  const platform = { architecture: opts.platform.architecture, os: 'linux', ...(opts.platform.variant ? { variant: opts.platform.variant } : {}) };
  const tmp = tempSibling(dir);
  await rm(tmp, { recursive: true, force: true });
  try {
    const blobs = path.join(tmp, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const { layer, diffId } = await writeLayer(root, blobs, opts.mtime);
    const config = await writeBlob(
      blobs,
      OCI_MEDIA_TYPES.config,
      json({
        created,
        ...platform,
        config: { Env: [...(opts.env ?? DEFAULT_ENV)], Cmd: [...(opts.cmd ?? ['/bin/sh'])], WorkingDir: '/' },
        rootfs: { type: 'layers', diff_ids: [diffId] },
        history: [{ created, created_by: 'rootfs-engine rootfs image' }],
      }),
    );
    const manifest = await writeBlob(blobs, OCI_MEDIA_TYPES.manifest, json({ schemaVersion: 2, mediaType: OCI_MEDIA_TYPES.manifest, config, layers: [layer] }));
    const ref = opts.refName ?? DEFAULT_OCI_REF;
    await writeFile(
      path.join(tmp, 'index.json'),
      json({
        schemaVersion: 2,
        mediaType: OCI_MEDIA_TYPES.index,
        manifests: [{ ...manifest, platform, annotations: { 'org.opencontainers.image.ref.name': ref } }],
      }),
    );
    await writeFile(path.join(tmp, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return manifest;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** `amd64`, `arm/v7` -> a platform (the form `--platform` takes in docker and podman). */
export function parseOciPlatform(spec: string): OciPlatform {
  const match = /^([a-z0-9]+)(?:\/([a-z0-9]+))?$/.exec(spec);
  if (!match) throw new Error(`bad OCI platform "${spec}": expected ARCH or ARCH/VARIANT, e.g. amd64 or arm/v7`);
  return { architecture: match[1]!, ...(match[2] ? { variant: match[2] } : {}) };
}
