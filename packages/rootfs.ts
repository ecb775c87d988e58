/**
 * The root filesystem of a target: its package set installed in out/<target>,
 * without development files, in make-rootfs's layout (bin -> usr/bin, ...), with
 * the etc skeleton of packages/files/rootfs, written as images under
 * build/images/<target>/: rootfs.cpio.gz (initramfs), rootfs.ext4 and rootfs.tar,
 * root-owned and timestamped with SOURCE_DATE_EPOCH, so two builds are identical.
 */
import { fileURLToPath } from 'node:url';
import { defineRecipe, type Recipe } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { TARGET_PACKAGES } from '../stages/goals.ts';

const imageCli = fileURLToPath(new URL('../sysroot/image/cli.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

export interface RootfsImageOptions {
  /** Recipe name; images go to build/images/<target>/ for `rootfs`, .../<name>/ otherwise. */
  name?: string;
  /** Directory whose files become etc/ (relative to the calling file, or absolute). */
  skeleton?: string;
  /** Packages in the image (default: the target package set). */
  packages?: readonly string[];
  formats?: readonly ('cpio' | 'ext4' | 'tar')[];
}

/** A recipe that writes a target's images; the skeleton's contents are part of its key. */
export function rootfsImage(options: RootfsImageOptions = {}): Recipe {
  const name = options.name ?? 'rootfs';
  return defineRecipe({
    name,
    version: '1',
    license: 'MIT',
    description: `root filesystem images (${(options.formats ?? ['cpio', 'ext4', 'tar']).join(', ')})`,
    // The skeleton is the recipe's source: a local tree, fingerprinted by content.
    source: { path: options.skeleton ?? fileURLToPath(new URL('./files/rootfs/etc', import.meta.url)) },
    deps: [...(options.packages ?? TARGET_PACKAGES)],
    tools: ['node', 'mke2fs', 'debugfs'],
    // The images are written under build/images/, outside the staged install: the
    // artifact cache could not restore them.
    cacheable: false,
    phases: {
      build: (ctx) => {
        const facts = rootfsOf(ctx);
        if (facts.stage) throw new Error('images are made for targets, not for stages');
        const images = `${ctx.dirs.build}/images/${ctx.place}${name === 'rootfs' ? '' : `/${name}`}`;
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
            (options.formats ?? ['cpio', 'ext4', 'tar']).join(','),
            '--mtime',
            ctx.env['SOURCE_DATE_EPOCH'] ?? '1700000000',
          ],
        ];
      },
    },
  });
}

export const rootfs = rootfsImage();
