/**
 * The build root, in the spirit of make-rootfs:
 *
 *   build/
 *     src/                    distfiles (downloads) and extracted source trees
 *     obj/<place>/<recipe>/   object directory: the cwd of every phase
 *     stage/<place>/<recipe>/ staged install (DESTDIR) of the last build
 *     out/<place>/            the place's installed tree (its sysroot)
 *     log/<place>/<recipe>/   one log per phase
 *     state/                  node records, the lock, caches
 *     runs/                   the events of the last run (last.ndjson) and its graph
 *     tmp/                    temp files (always inside the build root)
 *
 * Commands and environments are resolved against the tokens below instead of real
 * paths, so a node key does not depend on where the build root lives; the runner
 * substitutes the real paths just before executing.
 */
import path from 'node:path';

export const BUILD_TOKEN = '/@rootfs-build@';
export const SRC_TOKEN = '/@rootfs-src@';

export class Layout {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get srcDir(): string {
    return path.join(this.root, 'src');
  }
  get stateDir(): string {
    return path.join(this.root, 'state');
  }
  get runsDir(): string {
    return path.join(this.root, 'runs');
  }
  get tmpDir(): string {
    return path.join(this.root, 'tmp');
  }
  objDir(place: string, recipe: string): string {
    return path.join(this.root, 'obj', place, recipe);
  }
  stageDir(place: string, recipe: string): string {
    return path.join(this.root, 'stage', place, recipe);
  }
  outDir(place: string): string {
    return path.join(this.root, 'out', place);
  }
  logDir(place: string, recipe: string): string {
    return path.join(this.root, 'log', place, recipe);
  }
  logFile(place: string, recipe: string, phase: string): string {
    return path.join(this.logDir(place, recipe), `${phase}.log`);
  }
}

/** The token-based layout recipes see while their phases are resolved. */
export const tokenLayout = new Layout(BUILD_TOKEN);

/** Replace the tokens in a resolved string with real paths. */
export function substituteTokens(text: string, buildRoot: string, srcDir: string): string {
  return text.split(SRC_TOKEN).join(srcDir).split(BUILD_TOKEN).join(buildRoot);
}
