/**
 * Running a command with an installed tree (out/stage3, say) as `/`, the way
 * make-rootfs's `make chroot` does, but without root and without touching the
 * tree: unprivileged user, mount and PID namespaces (util-linux `unshare`), a
 * tmpfs as the new root, the tree's usr/ bind-mounted read-only into it, the
 * seed's top-level symlinks (bin, lib, sbin -> usr/...), /dev and /sys from the
 * host, a fresh /proc and /tmp, an etc/ copied from the given skeletons, and
 * whatever else the caller binds (a build directory at its own path).
 *
 * The tmpfs root means nothing is created inside the tree: it stays exactly
 * what its nodes installed, and two shells on one tree do not meet.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { EngineError } from 'rootfs-engine';

export interface BindMount {
  /** A host path. */
  from: string;
  /** Where it appears inside (absolute; under /usr only when usr is an overlay). */
  to: string;
  writable?: boolean;
  /**
   * Writable, but through an overlay whose changes vanish with the namespace: the
   * host directory is never written (a config file added beside a host program).
   */
  overlay?: boolean;
}

export interface IsolatedCommand {
  /** The tree that becomes `/`: its usr/ is mounted read-only. */
  tree: string;
  /** Directories whose contents are copied, in order, into the tmpfs /etc. */
  etc?: readonly string[];
  binds?: readonly BindMount[];
  /**
   * `read-only` (default): the tree's usr/ as it is. `overlay`: writable through an
   * overlay whose changes vanish with the namespace, so binds and `rootFiles` may
   * add to /usr without touching the tree.
   */
  usr?: 'read-only' | 'overlay';
  /** A host directory whose contents are copied over the new root after every mount. */
  rootFiles?: string;
  /** Working directory inside (default /root). */
  cwd?: string;
  /** The whole environment inside (nothing of the host's leaks in). */
  env: Readonly<Record<string, string>>;
  argv: readonly string[];
}

// Runs on the host's /bin/sh inside the new namespaces, before the chroot. Every
// path arrives as an argument, never spliced into the script text.
const SETUP_SCRIPT = String.raw`set -eu
base=$1 tree=$2 cwd=$3 binds=$4 etcs=$5 usr=$6 files=$7; shift 7
# One tmpfs holds the new root and the overlays' upper layers, which stay outside it.
mount -t tmpfs -o mode=0755 rootfs-engine "$base"
root=$base/root
mkdir -p "$root" "$base/upper" "$base/work"
mkdir -p "$root/usr" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/run" "$root/root" "$root/etc" "$root/var"
if [ "$usr" = overlay ]; then
  mkdir -p "$base/upper/usr" "$base/work/usr"
  mount -t overlay overlay -o "lowerdir=$tree/usr,upperdir=$base/upper/usr,workdir=$base/work/usr" "$root/usr"
else
  mount --rbind "$tree/usr" "$root/usr"
  mount -o remount,bind,ro "$root/usr"
fi
ln -s usr/bin "$root/bin"; ln -s usr/lib "$root/lib"; ln -s usr/bin "$root/sbin"; ln -s /run "$root/var/run"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
printf '%s\n' "$etcs" | while IFS= read -r dir; do [ -z "$dir" ] || cp -R "$dir/." "$root/etc/"; done
n=0
printf '%s\n' "$binds" | while IFS='	' read -r from to mode; do
  [ -n "$from" ] || continue
  n=$((n + 1))
  if [ -d "$from" ]; then mkdir -p "$root$to"; else mkdir -p "$(dirname "$root$to")"; [ -e "$root$to" ] || : > "$root$to"; fi
  if [ "$mode" = overlay ]; then
    mkdir -p "$base/upper/$n" "$base/work/$n"
    mount -t overlay overlay -o "lowerdir=$from,upperdir=$base/upper/$n,workdir=$base/work/$n" "$root$to"
  else
    mount --rbind "$from" "$root$to"
    [ "$mode" = rw ] || mount -o remount,bind,ro "$root$to"
  fi
done
[ -z "$files" ] || cp -R --remove-destination "$files/." "$root/"
# unshare without namespace flags: chroot plus chdir into the new root in one step.
exec unshare --root="$root" --wd="$cwd" /usr/bin/env -i "$@"
`;

/** The host command line that runs `command` inside its tree. */
export async function isolatedInvocation(command: IsolatedCommand): Promise<{ file: string; args: string[]; cleanup: () => Promise<void> }> {
  const usr = command.usr ?? 'read-only';
  for (const bind of command.binds ?? []) {
    const underUsr = bind.to === '/usr' || bind.to.startsWith('/usr/');
    if (!path.isAbsolute(bind.to) || bind.to === '/usr' || (underUsr && usr !== 'overlay')) {
      throw new EngineError('USAGE', `Cannot mount ${bind.from} at ${bind.to}: the place inside must be an absolute path, under /usr only when usr is an overlay.`);
    }
  }
  // overlayfs splits its options at commas and its lower dirs at colons.
  for (const dir of [command.tree, ...(command.binds ?? []).filter((b) => b.overlay).map((b) => b.from)]) {
    if (usr === 'overlay' && /[,:]/.test(dir)) {
      throw new EngineError('USAGE', `${dir} has a comma or a colon in its path, which an overlay mount cannot take. Move the build directory to a path without them.`);
    }
  }
  // The mount point of the tmpfs root: an empty host directory, covered only
  // inside the private mount namespace.
  const mountPoint = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-engine-ns-'));
  const binds = (command.binds ?? []).map((b) => `${b.from}\t${b.to}\t${b.overlay ? 'overlay' : b.writable ? 'rw' : 'ro'}`).join('\n');
  const env = Object.entries(command.env).map(([k, v]) => `${k}=${v}`);
  const cwd = command.cwd ?? '/root';
  return {
    file: 'unshare',
    args: ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--kill-child', '/bin/sh', '-c', SETUP_SCRIPT, 'setup', mountPoint, command.tree, cwd, binds, (command.etc ?? []).join('\n'), usr, command.rootFiles ?? '', ...env, ...command.argv],
    cleanup: () => fs.rm(mountPoint, { recursive: true, force: true }),
  };
}

let probed: Promise<string | undefined> | undefined;

/**
 * Why namespaces cannot be used here, or undefined when they can. Probed once:
 * the same unshare flags as a real run, with a command that does nothing.
 */
export function namespacesUnavailable(): Promise<string | undefined> {
  probed ??= (async () => {
    const which = await execa('sh', ['-c', 'command -v unshare'], { reject: false });
    if (which.exitCode !== 0) return 'the unshare command is missing (Debian package util-linux)';
    const probe = await execa('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--fork', '/bin/sh', '-c', 'mount -t tmpfs none /tmp'], { reject: false });
    if (probe.exitCode === 0) return undefined;
    return `unshare --user --mount --pid fails here (${String(probe.stderr).trim().split('\n').pop() ?? 'no message'})`;
  })();
  return probed;
}

export async function requireNamespaces(purpose: string): Promise<void> {
  const problem = await namespacesUnavailable();
  if (!problem) return;
  throw new EngineError(
    'MISSING_TOOL',
    `${purpose} needs unprivileged user and mount namespaces, but ${problem}. ` +
      'Enable them: `sysctl -w kernel.unprivileged_userns_clone=1` (Debian kernels before 5.10), `sysctl -w user.max_user_namespaces=15000`, ' +
      'or on Ubuntu 24.04 and later `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`; inside a container, run it with user namespaces allowed (e.g. docker --security-opt seccomp=unconfined). No sudo is needed.',
  );
}
