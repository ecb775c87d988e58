/**
 * The root filesystem of a target: its package set installed in out/<target>,
 * without development files, in make-rootfs's layout (bin -> usr/bin, ...), with
 * the etc skeleton of packages/files/rootfs, written as images under
 * build/images/<target>/: rootfs.cpio.gz (initramfs), rootfs.ext4, rootfs.tar and an
 * OCI image layout (oci/), root-owned and timestamped with SOURCE_DATE_EPOCH, so two
 * builds are identical. `--image cpio,oci` and `--image-size MiB` (options the config
 * declares with rootfsOptions()) choose formats and the ext4 size for a run.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineRecipe, EngineError, type Context, type OptionDefinition, type Recipe } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { TARGET_PACKAGES } from '../stages/goals.ts';
import { IMAGE_FORMATS, parseImageFormats, type ImageFormat } from '../sysroot/image/index.ts';

const imageCli = fileURLToPath(new URL('../sysroot/image/cli.ts', import.meta.url));

/**
 * The writers' own code, as a digest in the recipe's env (so in the node key): a change
 * to how an image is written rebuilds the images, as a change to a recipe would.
 */
function imageWriterDigest(): string {
  const dir = path.dirname(imageCli);
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) hash.update(`${file}\0`).update(readFileSync(path.join(dir, file)));
  return hash.digest('hex').slice(0, 16);
}
const IMAGE_WRITER_DIGEST = imageWriterDigest();
const tsxLoader = import.meta.resolve('tsx');

export interface RootfsImageOptions {
  /** Recipe name; images go to build/images/<target>/ for `rootfs`, .../<name>/ otherwise. */
  name?: string;
  /** Directory whose files become etc/ (relative to the calling file, or absolute). */
  skeleton?: string;
  /** Packages in the image (default: the target package set). */
  packages?: readonly string[];
  /** Formats written when the run gives no --image (default all). */
  formats?: readonly ImageFormat[];
  /** ext4 size in MiB when the run gives no --image-size (default: content + headroom). */
  ext4SizeMiB?: number;
}

/** The run options the image recipes read; a config declares them with `options: rootfsOptions()`. */
export function rootfsOptions(): Record<string, OptionDefinition> {
  return {
    image: {
      description: `image formats: for run, those the rootfs recipes write (${IMAGE_FORMATS.join(',')}; default all); for boot, the one to boot (cpio or ext4)`,
    },
    'image-size': { description: 'size of the ext4 image in MiB (default: the content plus headroom)' },
  };
}

function formatsOf(ctx: Context, fallback: readonly ImageFormat[]): ImageFormat[] {
  const spec = ctx.options['image'];
  if (spec === undefined) return [...fallback];
  try {
    const formats = parseImageFormats(spec);
    if (formats.length === 0) throw new Error('no format given');
    return formats;
  } catch (error) {
    throw new EngineError('USAGE', `--image ${spec}: ${(error as Error).message.replace(/\.$/, '')}. Give a comma-separated list, e.g. --image cpio,oci.`);
  }
}

function ext4SizeOf(ctx: Context, fallback: number | undefined): number | undefined {
  const spec = ctx.options['image-size'];
  if (spec === undefined) return fallback;
  const size = Number(spec);
  if (!Number.isInteger(size) || size < 8) {
    throw new EngineError('USAGE', `--image-size ${spec}: give the ext4 image size as a whole number of MiB (at least 8), or leave it out to size the image from its content.`);
  }
  return size;
}

/** A recipe that writes a target's images; the skeleton's contents are part of its key. */
export function rootfsImage(options: RootfsImageOptions = {}): Recipe {
  const name = options.name ?? 'rootfs';
  const packages = options.packages ?? TARGET_PACKAGES;
  return defineRecipe({
    name,
    version: '1',
    license: 'MIT',
    description: `root filesystem images (${(options.formats ?? IMAGE_FORMATS).join(', ')}, or those --image names)`,
    // The skeleton is the recipe's source: a local tree, fingerprinted by content.
    source: { path: options.skeleton ?? fileURLToPath(new URL('./files/rootfs/etc', import.meta.url)) },
    deps: [...packages],
    tools: ['node', 'mke2fs', 'debugfs'],
    env: { ROOTFS_IMAGE_WRITER: IMAGE_WRITER_DIGEST },
    // The images are written under build/images/, outside the staged install: the
    // artifact cache could not restore them.
    cacheable: false,
    phases: {
      build: (ctx) => {
        const facts = rootfsOf(ctx);
        if (facts.stage) throw new Error('images are made for targets, not for stages');
        const images = `${ctx.dirs.build}/images/${ctx.place}${name === 'rootfs' ? '' : `/${name}`}`;
        const formats = formatsOf(ctx, options.formats ?? IMAGE_FORMATS);
        const ext4Size = formats.includes('ext4') ? ext4SizeOf(ctx, options.ext4SizeMiB) : undefined;
        const { variant, architecture } = facts.target.oci;
        return [
          [
            'node',
            '--import',
            tsxLoader,
            imageCli,
            '--out',
            ctx.dirs.out,
            '--skeleton',
            ctx.dirs.src,
            '--work',
            ctx.dirs.obj,
            '--images',
            images,
            '--formats',
            formats.join(','),
            '--mtime',
            ctx.env['SOURCE_DATE_EPOCH'] ?? '1700000000',
            // Only the packages' own files: the out tree may hold more.
            '--build-root',
            ctx.dirs.build,
            '--place',
            ctx.place,
            '--packages',
            packages.join(','),
            ...(formats.includes('oci') ? ['--oci-platform', variant ? `${architecture}/${variant}` : architecture] : []),
            ...(ext4Size !== undefined ? ['--ext4-size', String(ext4Size)] : []),
          ],
        ];
      },
    },
  });
}

export const rootfs = rootfsImage();
