/**
 * Shared pieces of the autotools recipes (bash, libuev, libite): the build
 * machine's GNU triple for --build, the standard phases,
 * and make-rootfs's RMRF_PATHS clean-up of a staged install. Not a recipe.
 */
import { execFileSync } from 'node:child_process';
import type { Context, Phase, PhaseName } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';

/** GNU triples as config.guess names them, by Node's process.arch. */
const GNU_BUILD_TRIPLES: Readonly<Record<string, string>> = {
  x64: 'x86_64-pc-linux-gnu',
  ia32: 'i686-pc-linux-gnu',
  arm64: 'aarch64-unknown-linux-gnu',
  arm: 'armv7l-unknown-linux-gnueabihf',
  riscv64: 'riscv64-unknown-linux-gnu',
  ppc64: 'powerpc64le-unknown-linux-gnu',
  s390x: 's390x-ibm-linux-gnu',
};

let cachedBuildTriple: string | undefined;

/**
 * The machine's GNU triple (x86_64-pc-linux-gnu on this kind of host), for
 * `--build`. Giving both --build and --host, and a --host that differs from it
 * (…-linux-musl), puts autoconf in cross mode even when the target is the
 * machine's own architecture: no static test program is run on the build machine,
 * the answers come from cache variables instead (docs/notes/host-toolchain.md f).
 */
export function buildTriple(): string {
  if (cachedBuildTriple === undefined) {
    cachedBuildTriple =
      GNU_BUILD_TRIPLES[process.arch] ?? `${execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim()}-unknown-linux-gnu`;
  }
  return cachedBuildTriple;
}

/** `configure --build --host --prefix=/usr`, out of tree, plus the recipe's own arguments. */
export function configureCommand(ctx: Context, args: readonly string[]): string[] {
  const { target } = rootfsOf(ctx);
  return [`${ctx.dirs.src}/configure`, `--build=${buildTriple()}`, `--host=${target.triple}`, '--prefix=/usr', ...args];
}

/**
 * make-rootfs's RMRF_PATHS (deleted after every package install), applied to the
 * node's own staging dir so the files never reach the manifest: libtool archives,
 * charset.alias and documentation.
 */
export function removeRmrfPaths(dest: string): string[] {
  const share = ['aclocal', 'bash-completion', 'emacs', 'doc', 'gdb', 'gettext', 'gtk-doc', 'info', 'man', 'polkit-1', 'vim', 'xml'];
  const paths = ['usr/lib/charset.alias', 'usr/man', ...share.map((dir) => `usr/share/${dir}`)];
  return [
    `cd ${dest} && rm -rf ${paths.join(' ')}`,
    `cd ${dest} && if [ -d usr/lib ]; then find usr/lib -name '*.la' -delete; fi`,
    // Leave no empty usr/share behind when documentation was all it held.
    `cd ${dest} && if [ -d usr/share ]; then rmdir --ignore-fail-on-non-empty usr/share; fi`,
  ];
}

/** configure arguments of a static-only library (what make-rootfs builds every library as). */
export const STATIC_LIBRARY_ARGS = ['--disable-shared', '--enable-static', '--without-pic', '--disable-silent-rules'] as const;

/**
 * The phases of a plain autotools package: out-of-tree configure (the release
 * tarball's generated script: no autoreconf), make, make install into the
 * staging dir with make-rootfs's RMRF_PATHS removed.
 */
export function autotoolsPhases(configureArgs: readonly string[]): Partial<Record<PhaseName, Phase>> {
  return {
    configure: (ctx) => [configureCommand(ctx, configureArgs)],
    build: () => 'make',
    install: (ctx) => [`make install DESTDIR=${ctx.dirs.dest}`, ...removeRmrfPaths(ctx.dirs.dest)],
  };
}
