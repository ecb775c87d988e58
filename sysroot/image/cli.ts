/**
 * The image step as a program, so a recipe phase can run it like any other build
 * command (and its arguments are part of the node key):
 *
 *   node --import tsx sysroot/image/cli.ts --out DIR --skeleton DIR --work DIR \
 *        --images DIR --formats cpio,ext4,tar,oci --mtime EPOCH [--ext4-size MiB]
 *        [--oci-platform ARCH[/VARIANT]] [--build-root DIR --place P --packages A,B]
 *
 * With --packages, the image holds only what those packages (and their
 * dependencies in the place) installed, by their build records: the out tree may
 * hold more (a kernel, packages built for other goals), and an image must not
 * change with what else happened to be built.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { installedPaths } from 'rootfs-engine';
import { assembleRootfs, IMAGE_FILES, IMAGE_FORMATS, parseImageFormats, parseOciPlatform, writeImages } from './index.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    skeleton: { type: 'string' },
    work: { type: 'string' },
    images: { type: 'string' },
    formats: { type: 'string', default: 'cpio,ext4,tar' },
    mtime: { type: 'string', default: '1700000000' },
    'ext4-size': { type: 'string' },
    'oci-platform': { type: 'string' },
    'build-root': { type: 'string' },
    place: { type: 'string' },
    packages: { type: 'string' },
  },
});

function required(name: 'out' | 'work' | 'images'): string {
  const value = values[name];
  if (!value) {
    process.stderr.write(`image: --${name} is required\n`);
    process.exit(2);
  }
  return path.resolve(value);
}

const mtime = Number(values.mtime);
const formats = parseImageFormats(values.formats ?? '');
// The images directory holds what this build asked for, never an older build's other formats.
for (const format of IMAGE_FORMATS) {
  if (!formats.includes(format)) await rm(path.join(required('images'), IMAGE_FILES[format]), { recursive: true, force: true });
}
async function packageFiles(): Promise<Set<string> | undefined> {
  if (values.packages === undefined || !values['build-root'] || !values.place) return undefined;
  try {
    return await installedPaths(values['build-root'], values.place, values.packages.split(',').filter(Boolean));
  } catch (error) {
    // A package without a record: one line for the node's log, not a stack.
    process.stderr.write(`image: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
const only = await packageFiles();
const root = await assembleRootfs({ outDir: required('out'), dest: path.join(required('work'), 'rootfs'), skeleton: values.skeleton, ...(only ? { only } : {}) });
const written = await writeImages(root, required('images'), formats, mtime, {
  ...(values['ext4-size'] ? { ext4SizeMiB: Number(values['ext4-size']) } : {}),
  ...(values['oci-platform'] ? { ociPlatform: parseOciPlatform(values['oci-platform']) } : {}),
});
for (const [format, file] of Object.entries(written)) process.stdout.write(`${format}: ${file}\n`);
