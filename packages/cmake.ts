/**
 * The CMake recipe helper: make-rootfs's `cmake_pkg_configure` (Ninja, the build
 * type, /usr prefix, lib as libdir, no rpath, the sysroot) plus its cross
 * settings for target places, so a CMake recipe is a few lines:
 *
 *   phases: cmakePhases({ BUILD_SHARED_LIBS: 'OFF', ZLIB_BUILD_EXAMPLES: 'OFF' })
 *
 * One departure from the seed: the find-root modes (libraries, headers and
 * packages only from the sysroot) are set for the stages too, not only when
 * cross-compiling, because every place builds against its own tree only and a
 * library found in the build machine's /usr/lib would break that silently.
 * Not a recipe.
 */
import { withJobserverSlots, type Context, type Phase, type PhaseName } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { removeRmrfPaths } from './autotools.ts';

/** CMake cache entries, `-D` without the prefix: `{ BUILD_TESTING: 'OFF' }`. */
export type CMakeOptions = Readonly<Record<string, string>>;

/** The `-D` options every CMake recipe gets in this place. */
export function cmakeStandardOptions(ctx: Context): Record<string, string> {
  const facts = rootfsOf(ctx);
  const options: Record<string, string> = {
    CMAKE_BUILD_TYPE: facts.buildType,
    CMAKE_INSTALL_PREFIX: '/usr',
    CMAKE_INSTALL_LIBDIR: 'lib',
    INSTALL_SYSCONFDIR: '/etc',
    CMAKE_SKIP_RPATH: 'ON',
    CMAKE_SYSROOT: facts.sysroot,
    CMAKE_FIND_ROOT_PATH_MODE_PROGRAM: 'NEVER',
    CMAKE_FIND_ROOT_PATH_MODE_LIBRARY: 'ONLY',
    CMAKE_FIND_ROOT_PATH_MODE_INCLUDE: 'ONLY',
    CMAKE_FIND_ROOT_PATH_MODE_PACKAGE: 'ONLY',
  };
  if (facts.stage === undefined) {
    // A target place: CMake's cross mode (no try_run on the build machine).
    Object.assign(options, {
      CMAKE_SYSTEM_NAME: 'Linux',
      CMAKE_SYSTEM_PROCESSOR: facts.target.cmakeProcessor,
      CMAKE_C_COMPILER_TARGET: facts.target.triple,
      CMAKE_CXX_COMPILER_TARGET: facts.target.triple,
      CMAKE_ASM_COMPILER_TARGET: facts.target.triple,
    });
  }
  return options;
}

/** `cmake -G Ninja -S <src> -B <obj>` with the standard options, then the recipe's own. */
export function cmakeConfigureCommand(ctx: Context, options: CMakeOptions = {}, sourceSubdir = ''): string[] {
  const merged = { ...cmakeStandardOptions(ctx), ...options };
  const source = sourceSubdir ? `${ctx.dirs.src}/${sourceSubdir}` : ctx.dirs.src;
  return ['cmake', '-G', 'Ninja', '-S', source, '-B', ctx.dirs.obj, ...Object.entries(merged).map(([key, value]) => `-D${key}=${value}`)];
}

/** configure, build and install of a CMake project, with make-rootfs's RMRF_PATHS removed. */
export function cmakePhases(options: CMakeOptions = {}, sourceSubdir = ''): Partial<Record<PhaseName, Phase>> {
  return {
    configure: (ctx) => [cmakeConfigureCommand(ctx, options, sourceSubdir)],
    // The build machine's ninja (1.11 on Debian 12) is no jobserver client and would
    // run nproc+2 jobs: it gets -j of the tokens free at its start.
    build: (ctx) => withJobserverSlots((jobs) => `cmake --build ${ctx.dirs.obj} --parallel ${jobs}`),
    install: (ctx) => [`DESTDIR=${ctx.dirs.dest} cmake --install ${ctx.dirs.obj}`, ...removeRmrfPaths(ctx.dirs.dest)],
  };
}
