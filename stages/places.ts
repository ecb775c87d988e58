/**
 * The places of a rootfs build and which toolchain each one uses:
 *
 *   profile `llvm` (default: the real bootstrap, as make-rootfs does it)
 *     stage1   host LLVM            -> builds llvm@stage1
 *     stage2   LLVM of stage1       -> builds llvm@stage2 (static)
 *     stage3   LLVM of stage2       -> builds llvm@stage3 and the base system
 *     <triple> LLVM of stage3       (make-rootfs cross-compiles with stage4's, see docs/stages.md)
 *
 *   profile `host` (--toolchain host: CI and first contact; minutes, not hours)
 *     every stage and target uses the host's LLVM (Debian's clang-19); each
 *     stage still builds its own musl, headers and builtins into its own out tree
 *     and builds everything else against that tree only.
 *
 * Every place's base is its C library, kernel headers and compiler-rt builtins:
 * every other node of the place depends on them.
 */
import path from 'node:path';
import { EngineError, type PlaceDefinition, type PlaceResolver } from 'rootfs-engine';
import { isBuildType, BUILD_TYPES } from '../sysroot/flags.ts';
import { makePlace } from '../sysroot/place.ts';
import { buildMachineTriple, isTriple, targetInfo, TARGETS } from '../sysroot/targets.ts';
import { STAGE4_BASE_TOOLS, STAGE4_TREE, stage4Sandbox, stage4ToolNodes } from './stage4.ts';
import { type Toolchain, findHostToolchain, missingHostToolchain, probeHostToolchain, stageToolchain } from '../sysroot/toolchain.ts';

export const STAGES = ['stage1', 'stage2', 'stage3', 'stage4'] as const;
export const BASE_PACKAGES = ['musl', 'linux-headers', 'compiler-rt-builtins'] as const;
export const PROFILES = ['llvm', 'host'] as const;

/** The host LLVM, or a stand-in naming what is missing when a place is only inspected (`doctor`). */
async function inspectedHostToolchain(): Promise<Toolchain> {
  const probe = await probeHostToolchain();
  return probe.missing.length === 0 ? findHostToolchain() : missingHostToolchain(probe);
}

export function rootfsPlaces(): PlaceResolver {
  return async (name, request): Promise<PlaceDefinition | undefined> => {
    const profile = request.options['toolchain'] ?? 'llvm';
    if (!(PROFILES as readonly string[]).includes(profile)) {
      throw new EngineError('USAGE', `--toolchain must be one of ${PROFILES.join(', ')}, not "${profile}". "host" uses this machine's LLVM; "llvm" bootstraps LLVM in the stages.`);
    }
    const buildType = request.options['buildType'] ?? 'Release';
    if (!isBuildType(buildType)) {
      throw new EngineError('USAGE', `--build-type must be one of ${BUILD_TYPES.join(', ')}, not "${buildType}".`);
    }
    const stageIndex = (STAGES as readonly string[]).indexOf(name);
    if (stageIndex < 0 && !isTriple(name)) {
      throw new EngineError(
        'UNKNOWN_PLACE',
        `"${name}" is neither a stage nor a supported target. Stages: ${STAGES.join(', ')}; targets: ${Object.keys(TARGETS).join(', ')}.`,
      );
    }
    const host = request.inspect ? await inspectedHostToolchain() : await findHostToolchain();
    const outDir = request.dirs.out(name);
    const stage = stageIndex >= 0 ? name : undefined;
    // Which LLVM compiles this place: the host's, or the one the previous stage built.
    let toolchain = host;
    let toolchainNodes: string[] = [];
    let toolchainSysroot: string | undefined;
    if (name === 'stage4') {
      // Inside the stage3 tree: its own LLVM (llvm profile) or the host's, mounted in.
      const tree = request.dirs.out(STAGE4_TREE);
      if (profile === 'llvm') {
        toolchain = { ...stageToolchain(STAGE4_TREE, tree, host.major), binDir: '/usr/bin', description: `LLVM of the ${STAGE4_TREE} tree` };
        toolchainSysroot = '/';
      }
      const nativeTriple = buildMachineTriple();
      return makePlace({
        name,
        target: targetInfo(nativeTriple),
        stage: name,
        toolchain,
        outDir,
        buildType,
        baseDeps: BASE_PACKAGES,
        toolchainNodes: [...STAGE4_BASE_TOOLS, ...(profile === 'llvm' ? ['llvm'] : [])].map((recipe) => `${recipe}@${STAGE4_TREE}`),
        toolchainSysroot,
        staticOnly: true,
        toolNodes: stage4ToolNodes,
        sandbox: stage4Sandbox({
          tree,
          outRoot: path.dirname(tree),
          hostCompiler:
            profile === 'host'
              ? { binDir: host.binDir, nativeTriple, resourceDir: path.join('/usr', 'lib', 'clang-resource', host.major) }
              : undefined,
        }),
      });
    }
    if (profile === 'llvm' && stageIndex !== 0) {
      const provider = stageIndex > 0 ? STAGES[stageIndex - 1]! : 'stage3';
      toolchainSysroot = request.dirs.out(provider);
      toolchain = stageToolchain(provider, toolchainSysroot, host.major);
      toolchainNodes = [`llvm@${provider}`];
    }
    return makePlace({
      name,
      target: targetInfo(stage ? buildMachineTriple() : name),
      stage,
      toolchain,
      outDir,
      buildType,
      baseDeps: BASE_PACKAGES,
      toolchainNodes,
      toolchainSysroot,
      // The seed's stage1 LLVM links against the host's C library; everything else is static.
      staticOnly: !(profile === 'llvm' && stage === 'stage1'),
    });
  };
}
