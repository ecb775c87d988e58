import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCI_MEDIA_TYPES, parseOciPlatform, writeOciLayout, writeTar } from '../../sysroot/image/index.ts';
import { MTIME, describeTree, has, makeSampleTree, run, tempDir } from './image-helpers.ts';

// CI installs skopeo (.ci/setup-debian.sh); elsewhere the other checks still run.
const haveSkopeo = await has('skopeo');

let dir: string;
let treeA: string;
let treeB: string;
let layoutA: string;

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

/** Reads a blob and checks it against its descriptor: digest and size. */
async function blob(layout: string, d: Descriptor): Promise<Buffer> {
  const data = await readFile(path.join(layout, 'blobs', 'sha256', d.digest.slice('sha256:'.length)));
  expect(sha256(data)).toBe(d.digest);
  expect(data.length).toBe(d.size);
  return data;
}

beforeAll(async () => {
  dir = await tempDir();
  treeA = path.join(dir, 'a');
  treeB = path.join(dir, 'b');
  await makeSampleTree(treeA, { hardlink: true, diskMtime: 1_600_000_000, owner: 1234 });
  await makeSampleTree(treeB, { reverse: true, diskMtime: 1_650_000_123 });
  layoutA = path.join(dir, 'oci-a');
  await writeOciLayout(treeA, layoutA, { mtime: MTIME, platform: { architecture: 'arm', variant: 'v7' } });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeOciLayout', () => {
  it('writes a layout whose every digest and size checks out, from index to layer', async () => {
    expect(JSON.parse(await readFile(path.join(layoutA, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(await readFile(path.join(layoutA, 'index.json'), 'utf8')) as { schemaVersion: number; mediaType: string; manifests: Descriptor[] };
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe(OCI_MEDIA_TYPES.index);
    expect(index.manifests).toHaveLength(1);
    const [desc] = index.manifests;
    expect(desc!.mediaType).toBe(OCI_MEDIA_TYPES.manifest);
    expect(desc!.platform).toEqual({ architecture: 'arm', os: 'linux', variant: 'v7' });
    expect(desc!.annotations).toEqual({ 'org.opencontainers.image.ref.name': 'latest' });

    const manifest = JSON.parse((await blob(layoutA, desc!)).toString('utf8')) as { schemaVersion: number; mediaType: string; config: Descriptor; layers: Descriptor[] };
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe(OCI_MEDIA_TYPES.manifest);
    expect(manifest.config.mediaType).toBe(OCI_MEDIA_TYPES.config);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([OCI_MEDIA_TYPES.layer]);

    const config = JSON.parse((await blob(layoutA, manifest.config)).toString('utf8')) as Record<string, unknown> & {
      rootfs: { type: string; diff_ids: string[] };
      history: Array<{ created: string }>;
      config: { Cmd: string[]; Env: string[] };
    };
    expect(config['architecture']).toBe('arm');
    expect(config['variant']).toBe('v7');
    expect(config['os']).toBe('linux');
    expect(config['created']).toBe('2023-11-14T22:13:20Z');
    expect(config.history.map((h) => h.created)).toEqual(['2023-11-14T22:13:20Z']);
    expect(config.config.Cmd).toEqual(['/bin/sh']);
    expect(config.rootfs.type).toBe('layers');

    // The layer is the tar writer's archive, gzip'd; diff_ids is its uncompressed digest.
    const layer = await blob(layoutA, manifest.layers[0]!);
    expect([...layer.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
    const tar = gunzipSync(layer);
    expect(config.rootfs.diff_ids).toEqual([sha256(tar)]);
    const plainTar = path.join(dir, 'plain.tar');
    await writeTar(treeA, plainTar, { mtime: MTIME });
    expect(tar.equals(await readFile(plainTar))).toBe(true);

    // Nothing else is stored: exactly the three blobs, no temporary files.
    const referenced = [desc!, manifest.config, manifest.layers[0]!].map((d) => d.digest.slice('sha256:'.length)).sort();
    expect((await readdir(path.join(layoutA, 'blobs', 'sha256'))).sort()).toEqual(referenced);
    expect((await readdir(dir)).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('contains no time but SOURCE_DATE_EPOCH and nothing of the builder', async () => {
    const index = JSON.parse(await readFile(path.join(layoutA, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const manifest = JSON.parse((await blob(layoutA, index.manifests[0]!)).toString('utf8')) as { config: Descriptor };
    const config = (await blob(layoutA, manifest.config)).toString('utf8');
    const times = config.match(/\d{4}-\d\d-\d\dT[\d:.]+Z/g) ?? [];
    expect(new Set(times)).toEqual(new Set(['2023-11-14T22:13:20Z']));
    expect(config).not.toMatch(/hostname|author|"User"|container/i);
  });

  it('extracts (the layer) to the same tree', async () => {
    const index = JSON.parse(await readFile(path.join(layoutA, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const manifest = JSON.parse((await blob(layoutA, index.manifests[0]!)).toString('utf8')) as { layers: Descriptor[] };
    const layerFile = path.join(layoutA, 'blobs', 'sha256', manifest.layers[0]!.digest.slice('sha256:'.length));
    const out = path.join(dir, 'extracted');
    await mkdir(out);
    await run('tar', ['-xzpf', layerFile, '-C', out, '--no-same-owner']);
    expect(await describeTree(out)).toEqual(await describeTree(treeA));
  });

  it('gives byte-identical layouts for trees made differently, and replaces an old layout', async () => {
    const layoutB = path.join(dir, 'oci-b');
    await mkdir(path.join(layoutB, 'blobs', 'sha256'), { recursive: true });
    await writeFile(path.join(layoutB, 'blobs', 'sha256', 'stale'), 'from an older build');
    await writeOciLayout(treeB, layoutB, { mtime: MTIME, platform: { architecture: 'arm', variant: 'v7' } });
    expect(await describeTree(layoutB)).toEqual(await describeTree(layoutA));
  });

  it('changes the image digest with the platform and the content', async () => {
    const index = async (layout: string): Promise<string> => (JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] }).manifests[0]!.digest;
    const amd64 = path.join(dir, 'oci-amd64');
    await writeOciLayout(treeA, amd64, { mtime: MTIME, platform: { architecture: 'amd64' } });
    const later = path.join(dir, 'oci-later');
    await writeOciLayout(treeA, later, { mtime: MTIME + 1, platform: { architecture: 'arm', variant: 'v7' } });
    const digests = new Set([await index(layoutA), await index(amd64), await index(later)]);
    expect(digests.size).toBe(3);
  });

  it('parses platforms as docker and podman write them', () => {
    expect(parseOciPlatform('amd64')).toEqual({ architecture: 'amd64' });
    expect(parseOciPlatform('arm/v7')).toEqual({ architecture: 'arm', variant: 'v7' });
    expect(() => parseOciPlatform('linux/arm/v7')).toThrow(/ARCH\/VARIANT/);
  });

  it.runIf(haveSkopeo)('is read by skopeo inspect', async () => {
    const { stdout } = await run('skopeo', ['inspect', '--override-arch', 'arm', '--override-variant', 'v7', `oci:${layoutA}:latest`]);
    const info = JSON.parse(stdout) as { Architecture: string; Os: string; Created: string; Layers: string[] };
    expect(info.Architecture).toBe('arm');
    expect(info.Os).toBe('linux');
    expect(info.Created).toBe('2023-11-14T22:13:20Z');
    expect(info.Layers).toHaveLength(1);
    const config = JSON.parse((await run('skopeo', ['inspect', '--config', `oci:${layoutA}:latest`])).stdout) as { rootfs: { diff_ids: string[] } };
    expect(config.rootfs.diff_ids).toHaveLength(1);
  });
});
