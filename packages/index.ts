/**
 * Every recipe of rootfs-engine, for `import { musl, toybox } from 'rootfs-engine/packages'`.
 * Recipes use only the public API; a user's config can mix them with its own.
 */
import type { Recipe } from 'rootfs-engine';
import { musl } from './musl.ts';
import { linuxHeaders } from './linux-headers.ts';
import { compilerRtBuiltins } from './compiler-rt-builtins.ts';
import { toybox } from './toybox.ts';
import { llvm } from './llvm.ts';
import { bash } from './bash.ts';
import { libuev } from './libuev.ts';
import { libite } from './libite.ts';
import { zlib } from './zlib.ts';
import { xz } from './xz.ts';
import { make } from './make.ts';
import { grep } from './grep.ts';
import { m4 } from './m4.ts';
import { diffutils } from './diffutils.ts';
import { bison } from './bison.ts';
import { flex } from './flex.ts';
import { pkgconf } from './pkgconf.ts';
import { bc } from './bc.ts';
import { ncurses } from './ncurses.ts';
import { libedit } from './libedit.ts';
import { libffi } from './libffi.ts';
import { mawk } from './mawk.ts';
import { pcre2 } from './pcre2.ts';
import { rsync } from './rsync.ts';
import { linux } from './linux.ts';
import { finit } from './finit.ts';
import { libcxx } from './libcxx.ts';
import { gperf } from './gperf.ts';
import { ninja } from './ninja.ts';
import { perl } from './perl.ts';
import { python } from './python.ts';
import { rootfs, rootfsImage, rootfsOptions, type RootfsImageOptions } from './rootfs.ts';
import { openssl } from './openssl.ts';
import { curl } from './curl.ts';
import { expat } from './expat.ts';
import { git } from './git.ts';
import { wget } from './wget.ts';
import { cmake } from './cmake-package.ts';
import { caCertificates } from './ca-certificates.ts';
import { meson } from './meson-package.ts';
import { libarchive } from './libarchive.ts';
import { libatomic } from './libatomic.ts';

export { musl, linuxHeaders, compilerRtBuiltins, toybox, llvm, bash, libuev, libite, rootfs,
  zlib, xz, make, grep, m4, diffutils, bc, bison, flex, pkgconf, ncurses, libedit, libffi, mawk, pcre2, rsync, linux, rootfsImage, rootfsOptions, type RootfsImageOptions,
  finit };
export { openssl, curl, expat, git, wget };
export { libcxx, gperf, ninja };
export { perl, python };
export { cmake };
export { caCertificates };
export { meson };
export { libarchive };
export { libatomic };
export { bootCommand } from '../stages/boot.ts';
export { shellCommand } from '../stages/shell.ts';
export { buildTriple, configureCommand, autotoolsPhases, removeRmrfPaths, STATIC_LIBRARY_ARGS } from './autotools.ts';
export { cmakePhases, cmakeConfigureCommand, cmakeStandardOptions, type CMakeOptions } from './cmake.ts';
export { mesonPhases, mesonSetupCommand, mesonCrossFilePath } from './meson.ts';
export { KERNEL_INSTALL_PATH } from './linux.ts';
export { rootfsOf, type RootfsFacts } from '../sysroot/place.ts';
export { TARGETS, targetInfo, type TargetInfo } from '../sysroot/targets.ts';
export { rootfsPlaces, STAGES, BASE_PACKAGES } from '../stages/places.ts';
export { goalOptions, rootfsGoals } from '../stages/goals.ts';
export { knownBuilds } from './known-builds.ts';

export const allRecipes: readonly Recipe[] = [
  musl, linuxHeaders, compilerRtBuiltins, toybox, llvm, bash, libuev, libite, rootfs,
  zlib, xz, make, grep, m4, diffutils, bc, bison, flex, pkgconf, ncurses, libedit, libffi, mawk, pcre2, rsync, linux,
  finit,
  openssl, curl, expat, git, wget,
  libcxx, gperf, ninja,
  perl, python,
  cmake,
  caCertificates,
  meson,
  libarchive,
  libatomic,
];
