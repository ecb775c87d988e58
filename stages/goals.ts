/**
 * Named goals: the stages of the bootstrap and the per-target sets, as make-rootfs
 * names them (`make stage3`, `make builtins`, `make TARGET=T install`).
 */
import type { GoalDefinition, OptionDefinition, PlaceRequest } from 'rootfs-engine';
import { EngineError } from 'rootfs-engine';
import { BASE_PACKAGES, STAGES } from './places.ts';
import { TARGETS } from '../sysroot/targets.ts';

/**
 * What each stage builds on top of its base (llvm only in the llvm profile), unless
 * `--packages` names another set for the goal's own stage.
 */
const STAGE_PACKAGES: Record<string, readonly string[]> = {
  stage1: ['toybox'],
  stage2: ['toybox'],
  // make-rootfs's STAGE3_PKGS (less glib and mako, which only its Qt and Mesa recipes
  // need), plus what our recipes split out of them: zlib, openssl and libcxx are
  // libraries its llvm and curl recipes built inside, ca-certificates is what makes
  // curl's TLS useful, and bc, libffi and pcre2 are the rest of the base set. A cold
  // build with the host toolchain takes about two hours on two cores (docs/stages.md).
  stage3: [
    'toybox', 'bash', 'zlib', 'xz', 'make', 'grep', 'm4', 'diffutils', 'bc', 'bison', 'flex', 'gperf',
    'pkgconf', 'ncurses', 'libedit', 'libffi', 'mawk', 'pcre2', 'rsync',
    'libcxx', 'ninja', 'cmake', 'openssl', 'ca-certificates', 'curl', 'perl', 'python', 'meson', 'libarchive',
  ],
  // stage4: built inside the stage3 tree (stages/stage4.ts); the packages proven there.
  stage4: ['toybox', 'bash', 'make'],
};

/**
 * The default package set of a target image (the seed's TARGET_PKGS: bash, toybox
 * and finit, PID 1 of the images), plus grep and diffutils: toybox leaves grep and cmp to them, and
 * an image should not lose those commands. And ca-certificates (one PEM file, the
 * same for every target, about a second to build): without it no TLS client put
 * into the image could verify a public server.
 */
export const TARGET_PACKAGES: readonly string[] = ['bash', 'toybox', 'finit', 'grep', 'diffutils', 'ca-certificates'];

/**
 * `--packages a,b,c`: the recipe names a goal builds instead of its default set (the
 * seed's `make STAGE3_PKGS=...` and `TARGET_PKGS=...`). Undefined when not given.
 */
function chosenPackages(goal: string, request: PlaceRequest): string[] | undefined {
  const spec = request.options['packages'];
  if (spec === undefined) return undefined;
  const names = spec.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) {
    throw new EngineError('USAGE', `--packages "${spec}" names no package for the goal "${goal}". Give a comma-separated list of recipe names, e.g. --packages bash,toybox,make (\`rootfs-engine list\` shows them).`);
  }
  return [...new Set(names)];
}

function stageNodes(stage: string, request: PlaceRequest, packages: readonly string[] | undefined): string[] {
  const index = (STAGES as readonly string[]).indexOf(stage);
  const earlier = index > 0 ? stageNodes(STAGES[index - 1]!, request, undefined) : [];
  const llvm = request.options['toolchain'] === 'host' ? [] : ['llvm'];
  const own = [...BASE_PACKAGES, ...llvm, ...(packages ?? STAGE_PACKAGES[stage] ?? [])].map((name) => `${name}@${stage}`);
  return [...new Set([...earlier, ...own])];
}

function stageGoal(stage: string, goal = stage): GoalDefinition {
  return {
    description: `${stage} and every stage before it (--packages: what ${stage} builds instead of its default set)`,
    nodes: (request) => stageNodes(stage, request, chosenPackages(goal, request)),
  };
}

/** The options the goals read. */
export function goalOptions(): Record<string, OptionDefinition> {
  return {
    packages: {
      readByGoals: [...STAGES, 'bootstrap', 'install'],
      description: `for the stage goals and install: the packages to build instead of the default set (comma-separated; earlier stages keep theirs). Default for stage3: ${STAGE_PACKAGES['stage3']!.join(',')}; for install: ${TARGET_PACKAGES.join(',')}`,
    },
  };
}

function requireTarget(goal: string, place: string): string {
  if (!Object.hasOwn(TARGETS, place)) {
    throw new EngineError('USAGE', `The goal "${goal}" builds for one target: add --target with one of ${Object.keys(TARGETS).join(', ')}.`);
  }
  return place;
}

export function rootfsGoals(): Record<string, GoalDefinition> {
  return {
    stage1: stageGoal('stage1'),
    stage2: stageGoal('stage2'),
    stage3: stageGoal('stage3'),
    stage4: stageGoal('stage4'),
    bootstrap: { ...stageGoal('stage4', 'bootstrap'), description: 'the whole bootstrap: stage4 and every stage before it' },
    builtins: {
      description: 'compiler-rt builtins and crt files for every supported target',
      nodes: () => Object.keys(TARGETS).map((triple) => `compiler-rt-builtins@${triple}`),
    },
    install: {
      description: "a target's default package set, or the --packages list (needs --target)",
      nodes: (request) => (chosenPackages('install', request) ?? TARGET_PACKAGES).map((name) => `${name}@${requireTarget('install', request.place)}`),
    },
  };
}
