/**
 * The image step as a program, so a recipe phase can run it like any other build
 * command (and its arguments are part of the node key):
 *
 *   node --import tsx sysroot/image/cli.ts --out DIR --skeleton DIR --work DIR \
 *        --images DIR --formats cpio,ext4,tar --mtime EPOCH [--ext4-size MiB]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assembleRootfs, parseImageFormats, writeImages } from './index.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    skeleton: { type: 'string' },
    work: { type: 'string' },
    images: { type: 'string' },
    formats: { type: 'string', default: 'cpio,ext4,tar' },
    mtime: { type: 'string', default: '1700000000' },
    'ext4-size': { type: 'string' },
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
const root = await assembleRootfs({ outDir: required('out'), dest: path.join(required('work'), 'rootfs'), skeleton: values.skeleton });
const written = await writeImages(root, required('images'), parseImageFormats(values.formats ?? ''), mtime, {
  ...(values['ext4-size'] ? { ext4SizeMiB: Number(values['ext4-size']) } : {}),
});
for (const [format, file] of Object.entries(written)) process.stdout.write(`${format}: ${file}\n`);
