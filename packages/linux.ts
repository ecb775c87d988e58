/**
 * The Linux kernel for `boot`: `make tinyconfig` plus this project's small config
 * fragments (packages/files/linux/common.config and <arch>.config), everything built
 * in, so a qemu guest boots the ext4 image as root=/dev/vda with no initramfs and the
 * cpio image as its initramfs. Built with LLVM (LLVM=1) out of tree from the shared,
 * read-only source tree; only the kernel image is installed, under boot/ (it is not
 * an ELF file, so the static-install check has nothing to say about it). It is its
 * own goal (`run linux --target T`), never part of an image's package set.
 */
import { readFileSync } from 'node:fs';
import { defineRecipe, EngineError } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import type { TargetInfo } from '../sysroot/targets.ts';
import { linuxSource } from './linux-headers.ts';

function fragment(name: string): string {
  return readFileSync(new URL(`./files/linux/${name}.config`, import.meta.url), 'utf8');
}

/** The architecture part of a triple names its fragment: x86_64, i386, armv7, aarch64. */
export function kernelArch(target: TargetInfo): string {
  return target.triple.split('-')[0]!;
}

// Read at load time and written by the configure phase, so the fragments' content
// (not only their paths) is part of the node key.
const FRAGMENTS: Readonly<Record<string, string>> = Object.fromEntries(
  ['common', 'x86_64', 'i386', 'armv7', 'aarch64'].map((name) => [name, fragment(name)]),
);

/** The make target and built file of each kernel architecture's boot image. */
const KERNEL_IMAGES: Readonly<Record<string, { make: string; file: string }>> = {
  x86: { make: 'bzImage', file: 'arch/x86/boot/bzImage' },
  arm64: { make: 'Image', file: 'arch/arm64/boot/Image' },
  arm: { make: 'zImage', file: 'arch/arm/boot/zImage' },
};

/** Where the kernel image lands in a target's out tree (what `boot --kernel built` boots). */
export const KERNEL_INSTALL_PATH = 'boot/vmlinuz';

function imageOf(target: TargetInfo): { make: string; file: string } {
  const image = KERNEL_IMAGES[target.linuxArch];
  if (!image) throw new EngineError('CONFIG_INVALID', `The linux recipe knows no boot image for ARCH=${target.linuxArch} (${target.triple}).`);
  return image;
}

export const linux = defineRecipe({
  name: 'linux',
  version: '6.12.107',
  license: 'GPL-2.0-only',
  description: 'Linux kernel for booting the images under qemu',
  homepage: 'https://www.kernel.org/',
  source: linuxSource,
  // objtool (x86) links libelf (Debian: libelf-dev); the rest are kbuild's own tools.
  tools: ['clang', 'ld.lld', 'make', 'bc', 'flex', 'bison', 'perl', 'gzip'],
  timeout: { build: 4 * 3600 },
  weight: 4,
  phases: {
    configure: (ctx) => {
      const { target } = rootfsOf(ctx);
      const arch = kernelArch(target);
      const own = FRAGMENTS[arch];
      if (own === undefined) throw new EngineError('CONFIG_INVALID', `There is no kernel config fragment for ${target.triple}: add packages/files/linux/${arch}.config.`);
      const make = kbuild(ctx.dirs.src, ctx.dirs.obj, target);
      return [
        ['sh', '-c', 'printf "%s" "$1" > common.config && printf "%s" "$2" > arch.config', 'sh', FRAGMENTS['common']!, own],
        [...make, 'tinyconfig'],
        // -m: merge only; olddefconfig then resolves dependencies once for the whole set.
        ['sh', '-c', `KCONFIG_CONFIG=.config "$1"/scripts/kconfig/merge_config.sh -m -O . .config common.config arch.config`, 'sh', ctx.dirs.src],
        [...make, 'olddefconfig'],
        // A fragment line that kconfig dropped (a dependency not met) would give a kernel
        // that cannot boot the image: fail here, naming it.
        ['sh', '-c', MISSING_OPTIONS, 'sh', 'common.config', 'arch.config'],
      ];
    },
    build: (ctx) => {
      const { target } = rootfsOf(ctx);
      // make takes its parallelism from the engine's jobserver (MAKEFLAGS).
      return [[...kbuild(ctx.dirs.src, ctx.dirs.obj, target), imageOf(target).make]];
    },
    install: (ctx) => {
      const { target } = rootfsOf(ctx);
      return `install -D -m 0644 ${ctx.dirs.obj}/${imageOf(target).file} ${ctx.dirs.dest}/${KERNEL_INSTALL_PATH}`;
    },
  },
});

/** kbuild's command line: LLVM tools, host tools with clang, out of tree in obj. */
function kbuild(src: string, obj: string, target: TargetInfo): string[] {
  // The place exports CFLAGS/LDFLAGS for musl user space; kbuild has its own flags,
  // and KBUILD_BUILD_TIMESTAMP/USER/HOST keep the image the same from build to build.
  return [
    'env', '-u', 'CFLAGS', '-u', 'CXXFLAGS', '-u', 'LDFLAGS', '-u', 'CPP',
    'KBUILD_BUILD_TIMESTAMP=@1700000000', 'KBUILD_BUILD_USER=rootfs-engine', 'KBUILD_BUILD_HOST=rootfs-engine',
    'make', '-C', src, `O=${obj}`, `ARCH=${target.linuxArch}`, 'LLVM=1', 'HOSTCC=clang',
  ];
}

/** Lists each fragment setting (=y or a string) that is not in the final .config, and fails if any. */
const MISSING_OPTIONS = `missing=$(cat "$@" | grep -E '^CONFIG_[A-Z0-9_]+=' | grep -v '=n$' | grep -vxFf .config || true)
if [ -n "$missing" ]; then
  echo "These kernel config fragment settings did not survive olddefconfig (unmet dependencies):" >&2
  echo "$missing" >&2
  exit 1
fi`;
