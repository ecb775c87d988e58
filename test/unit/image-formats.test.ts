import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_FILES, IMAGE_FORMATS, parseImageFormats, writeImages } from '../../sysroot/image/index.ts';
import { MTIME, has, makeSampleTree, parseNewc, run, tempDir } from './image-helpers.ts';

const haveE2fs = await has('mke2fs');
let dir: string;
let tree: string;

beforeAll(async () => {
  dir = await tempDir('rfe-image-formats-');
  tree = path.join(dir, 'tree');
  await makeSampleTree(tree);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeImages', () => {
  it('parses format lists', () => {
    expect(IMAGE_FORMATS).toEqual(['cpio', 'ext4', 'tar', 'oci']);
    expect(parseImageFormats('tar, cpio,tar')).toEqual(['tar', 'cpio']);
    expect(() => parseImageFormats('cpio,iso')).toThrow(/unknown image format\(s\) iso/);
  });

  it('writes the asked formats under their names; the bootable ones get /dev/console', async () => {
    const out = path.join(dir, 'out');
    const formats = haveE2fs ? [...IMAGE_FORMATS] : (['cpio', 'tar', 'oci'] as const);
    const written = await writeImages(tree, out, formats, MTIME, { ociPlatform: { architecture: 'amd64' } });
    expect((await readdir(out)).sort()).toEqual(formats.map((f) => IMAGE_FILES[f]).sort());
    expect(written.cpio).toBe(path.join(out, 'rootfs.cpio.gz'));
    const cpio = parseNewc(gunzipSync(await readFile(path.join(out, 'rootfs.cpio.gz'))));
    expect(cpio.find((e) => e.name === 'dev/console')?.mode).toBe(0o020600);
    const tarList = (await run('tar', ['-tf', path.join(out, 'rootfs.tar')])).stdout;
    expect(tarList).not.toContain('dev/console');
    expect(written.oci).toBe(path.join(out, 'oci'));
    expect(await readdir(path.join(out, 'oci'))).toEqual(['blobs', 'index.json', 'oci-layout']);
    if (haveE2fs) {
      const debugfs = (await run('sh', ['-c', 'command -v debugfs || echo /usr/sbin/debugfs'])).stdout.trim();
      expect((await run(debugfs, ['-R', 'stat /dev/console', path.join(out, 'rootfs.ext4')])).stdout).toMatch(/character special/);
    }
  });

  it('writes only what is asked', async () => {
    const out = path.join(dir, 'only-tar');
    await writeImages(tree, out, ['tar'], MTIME);
    expect(await readdir(out)).toEqual(['rootfs.tar']);
  });

  it('needs a platform for the OCI image', async () => {
    await expect(writeImages(tree, path.join(dir, 'oci-only'), ['oci'], MTIME)).rejects.toThrow(/needs the image platform/);
  });
});
