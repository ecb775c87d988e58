/**
 * Root filesystem images: the assembled tree (tree.ts) and its writers. Every format is
 * root-owned, timestamped with SOURCE_DATE_EPOCH and ordered by C-locale path, so two
 * builds of the same tree give byte-identical files.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeCpioNewc } from './cpio.ts';
import { writeExt4 } from './ext4.ts';
import { writeOciLayout, type OciPlatform } from './oci.ts';
import { writeTar } from './tar.ts';
import { CONSOLE_DEVICE, type DeviceEntry } from './walk.ts';

export { assembleRootfs, DEFAULT_EXCLUDES, DEFAULT_MODES, makeExcluder, type AssembleOptions } from './tree.ts';
export { writeCpioNewc, cpioNewcStream, newcHeader, type CpioOptions } from './cpio.ts';
export { writeTar, tarChunks, type TarOptions } from './tar.ts';
export { writeOciLayout, parseOciPlatform, DEFAULT_OCI_REF, OCI_MEDIA_TYPES, type OciDescriptor, type OciOptions, type OciPlatform } from './oci.ts';
export { writeExt4, contentFootprint, contentUuids, defaultExt4SizeMiB, findE2fsTool, type Ext4Options } from './ext4.ts';
export { CONSOLE_DEVICE, comparePaths, walkTree, type DeviceEntry, type TreeEntry } from './walk.ts';

export const IMAGE_FORMATS = ['cpio', 'ext4', 'tar', 'oci'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export const IMAGE_FILES: Readonly<Record<ImageFormat, string>> = {
  cpio: 'rootfs.cpio.gz',
  ext4: 'rootfs.ext4',
  tar: 'rootfs.tar',
  oci: 'oci',
};

export interface WriteImagesOptions {
  /**
   * Device nodes for the bootable formats (cpio, ext4); default /dev/console, which the
   * kernel opens for init before devtmpfs is mounted. The tar (for containers and chroots,
   * whose runtime provides /dev, and which an unprivileged user must be able to extract)
   * gets none.
   */
  devices?: readonly DeviceEntry[];
  ext4SizeMiB?: number;
  /** Platform of the OCI image; required for the oci format. */
  ociPlatform?: OciPlatform;
}

/** Checks a user's format list (e.g. from `--image cpio,ext4`). */
export function parseImageFormats(spec: string): ImageFormat[] {
  const wanted = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = wanted.filter((f) => !(IMAGE_FORMATS as readonly string[]).includes(f));
  if (bad.length) throw new Error(`unknown image format(s) ${bad.join(', ')}; known: ${IMAGE_FORMATS.join(', ')}`);
  return [...new Set(wanted)] as ImageFormat[];
}

/** Writes the asked formats of `root` into `outDir`; returns the written files by format. */
export async function writeImages(
  root: string,
  outDir: string,
  formats: readonly ImageFormat[],
  mtime: number,
  opts: WriteImagesOptions = {},
): Promise<Partial<Record<ImageFormat, string>>> {
  await mkdir(outDir, { recursive: true });
  const devices = opts.devices ?? [CONSOLE_DEVICE];
  const written: Partial<Record<ImageFormat, string>> = {};
  // One at a time: each format reads the whole tree, and ext4 also runs two processes.
  for (const format of IMAGE_FORMATS) {
    if (!formats.includes(format)) continue;
    const file = path.join(outDir, IMAGE_FILES[format]);
    switch (format) {
      case 'cpio':
        await writeCpioNewc(root, file, { mtime, gzip: true, extraEntries: devices });
        break;
      case 'ext4':
        await writeExt4(root, file, { mtime, extraEntries: devices, ...(opts.ext4SizeMiB ? { sizeMiB: opts.ext4SizeMiB } : {}) });
        break;
      case 'tar':
        await writeTar(root, file, { mtime });
        break;
      case 'oci':
        if (!opts.ociPlatform) throw new Error('the oci format needs the image platform (architecture, variant)');
        await writeOciLayout(root, file, { mtime, platform: opts.ociPlatform });
        break;
    }
    written[format] = file;
  }
  return written;
}
