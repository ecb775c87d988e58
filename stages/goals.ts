/**
 * Named goals: the stages of the bootstrap and the per-target sets, as make-rootfs
 * names them (`make stage3`, `make builtins`, `make TARGET=T install`).
 */
import type { GoalDefinition, PlaceRequest } from 'rootfs-engine';
import { EngineError } from 'rootfs-engine';
import { BASE_PACKAGES, STAGES } from './places.ts';
import { TARGETS } from '../sysroot/targets.ts';

/** What each stage builds on top of its base (llvm only in the llvm profile). */
const STAGE_PACKAGES: Record<string, readonly string[]> = {
  stage1: ['toybox'],
  stage2: ['toybox'],
  // make-rootfs's STAGE3_PKGS, as far as recipes exist (bc is its stage4's; it is here
  // with the rest of the base set).
  stage3: ['toybox', 'bash', 'zlib', 'xz', 'make', 'grep', 'm4', 'diffutils', 'bc', 'bison', 'flex', 'pkgconf', 'ncurses', 'libedit', 'libffi', 'mawk', 'pcre2', 'rsync'],
  // libcxx, gperf, ninja, the TLS set, perl and python build for every target but are
  // not in stage3 yet: each would add a cold build of minutes to hours per CI run of
  // the stage chain (see docs/testing.md, `npm run test:world`). stage4 pulls in the
  // ones its recipes run (cmake, ninja and python for the builtins) through their tools.
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

function stageNodes(stage: string, request: PlaceRequest): string[] {
  const index = (STAGES as readonly string[]).indexOf(stage);
  const earlier = index > 0 ? stageNodes(STAGES[index - 1]!, request) : [];
  const llvm = request.options['toolchain'] === 'host' ? [] : ['llvm'];
  const own = [...BASE_PACKAGES, ...llvm, ...(STAGE_PACKAGES[stage] ?? [])].map((name) => `${name}@${stage}`);
  return [...earlier, ...own];
}

function stageGoal(stage: string): GoalDefinition {
  return {
    description: `${stage} and every stage before it`,
    nodes: (request) => stageNodes(stage, request),
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
    bootstrap: { ...stageGoal('stage4'), description: 'the whole bootstrap: stage4 and every stage before it' },
    builtins: {
      description: 'compiler-rt builtins and crt files for every supported target',
      nodes: () => Object.keys(TARGETS).map((triple) => `compiler-rt-builtins@${triple}`),
    },
    install: {
      description: "a target's default package set (needs --target)",
      nodes: ({ place }) => TARGET_PACKAGES.map((name) => `${name}@${requireTarget('install', place)}`),
    },
  };
}
