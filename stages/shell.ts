/**
 * `rootfs-engine shell [place] [-- command...]`: a shell (or one command) with a
 * place's installed tree as `/`, the seed's `make chroot`, without sudo. The
 * tree is not changed: see sysroot/namespace.ts for what is mounted where.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { EngineError, type CommandDefinition } from 'rootfs-engine';
import { isTriple, TARGETS } from '../sysroot/targets.ts';
import { isolatedInvocation, requireNamespaces } from '../sysroot/namespace.ts';
import { STAGES } from './places.ts';

const ETC_SKELETON = fileURLToPath(new URL('../packages/files/rootfs/etc', import.meta.url));

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then((s) => s.isFile(), () => false);
}

export function shellCommand(): CommandDefinition {
  return {
    description: "a shell with a place's installed tree as / (user namespaces, no sudo); `-- command...` runs one command instead",
    arguments: '[place] [command...]',
    run: async ({ args, globals, buildDir }) => {
      const place = args[0] ?? (typeof globals['target'] === 'string' ? globals['target'] : 'stage3');
      if (!(STAGES as readonly string[]).includes(place) && !isTriple(place)) {
        throw new EngineError('USAGE', `shell needs a stage (${STAGES.join(', ')}) or a target (${Object.keys(TARGETS).join(', ')}), not "${place}".`);
      }
      const tree = path.join(buildDir, 'out', place);
      const shells = ['bash', 'sh'].map((name) => path.join(tree, 'usr', 'bin', name));
      const found = await Promise.all(shells.map(isFile));
      if (!found[1]) {
        throw new EngineError(
          'SOURCE_MISSING',
          `${tree} has no usr/bin/sh, so there is nothing to run a shell with. Build the place first: rootfs-engine run ${isTriple(place) ? `install --target ${place}` : place} (toybox provides sh).`,
        );
      }
      await requireNamespaces(`rootfs-engine shell ${place}`);
      const command = args.slice(1);
      const interactive = command.length === 0;
      const invocation = await isolatedInvocation({
        tree,
        etc: [ETC_SKELETON, ...((await fs.stat(path.join(tree, 'etc')).then((s) => s.isDirectory(), () => false)) ? [path.join(tree, 'etc')] : [])],
        // The build root at its own path, read-only: logs and sources can be
        // read from inside, and nothing inside can damage the build state.
        binds: [{ from: buildDir, to: buildDir }],
        env: {
          PATH: '/usr/bin',
          HOME: '/root',
          TERM: process.env['TERM'] ?? 'dumb',
          PS1: `[${place}] \\w # `,
          SHELL: found[0] ? '/usr/bin/bash' : '/usr/bin/sh',
        },
        argv: interactive ? [found[0] ? '/usr/bin/bash' : '/usr/bin/sh'] : command,
      });
      if (interactive) process.stderr.write(`Entering ${tree} as / (exit the shell to leave; the tree and ${buildDir} are read-only, and /tmp, /root and /etc are gone when you leave).\n`);
      try {
        const result = await execa(invocation.file, invocation.args, { stdio: 'inherit', reject: false });
        return result.exitCode ?? 1;
      } finally {
        await invocation.cleanup();
      }
    },
  };
}
