/**
 * The Meson recipe helper: make-rootfs's `meson_pkg_configure` (/usr prefix, lib
 * as libdir, static libraries only, the build type mapped to Meson's names) and,
 * for target places, the place's cross file (sysroot/place.ts writes its text,
 * as make-rootfs ships one per target in pkg/files/meson/). Not a recipe.
 */
import type { BuildType } from '../sysroot/flags.ts';
import { withJobserverSlots, type Context, type Phase, type PhaseName } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { removeRmrfPaths } from './autotools.ts';

const MESON_BUILD_TYPES: Readonly<Record<BuildType, string>> = {
  Debug: 'debug',
  Release: 'release',
  RelWithDebInfo: 'debugoptimized',
  MinSizeRel: 'minsize',
};

/** Where the configure phase writes the cross file: in the object dir, beside the build. */
export function mesonCrossFilePath(ctx: Context): string {
  return `${ctx.dirs.obj}/${rootfsOf(ctx).target.triple}.meson-cross.txt`;
}

/** The standard `meson setup` arguments of this place, then the recipe's own (`-Dfoo=bar`). */
export function mesonSetupCommand(ctx: Context, args: readonly string[] = []): string[] {
  const facts = rootfsOf(ctx);
  return [
    'meson',
    'setup',
    '--prefix=/usr',
    '--libdir=/usr/lib',
    '--sysconfdir=/etc',
    '--mandir=/usr/share/man',
    '--localstatedir=/var',
    '-Ddefault_library=static',
    '-Dprefer_static=true',
    `--buildtype=${MESON_BUILD_TYPES[facts.buildType]}`,
    ...(facts.stage === undefined ? ['--cross-file', mesonCrossFilePath(ctx)] : []),
    ...args,
    ctx.dirs.obj,
    ctx.dirs.src,
  ];
}

/** Writes the cross file (target places), then `meson setup`, `meson compile`, `meson install`. */
export function mesonPhases(args: readonly string[] = []): Partial<Record<PhaseName, Phase>> {
  return {
    configure: (ctx) => {
      const facts = rootfsOf(ctx);
      const writeCrossFile = facts.stage === undefined ? [`cat > ${mesonCrossFilePath(ctx)} <<'ROOTFS_ENGINE_EOF'\n${facts.mesonCrossFile}ROOTFS_ENGINE_EOF`] : [];
      return [`mkdir -p ${ctx.dirs.obj}`, ...writeCrossFile, mesonSetupCommand(ctx, args)];
    },
    // meson compile runs the build machine's ninja (1.11 on Debian 12, no jobserver
    // client, nproc+2 jobs by default): it gets -j of the tokens free at its start.
    build: (ctx) => withJobserverSlots((jobs) => `meson compile -C ${ctx.dirs.obj} -j ${jobs}`),
    install: (ctx) => [['meson', 'install', '-C', ctx.dirs.obj, '--no-rebuild', '--destdir', ctx.dirs.dest], ...removeRmrfPaths(ctx.dirs.dest)],
  };
}
