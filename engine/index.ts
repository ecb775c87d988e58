/**
 * The public API of rootfs-engine: what recipes, configs and other TypeScript
 * projects import (`import { defineRecipe } from 'rootfs-engine'`).
 */
export {
  defineRecipe,
  defineConfig,
  isPathSource,
  PHASES,
  type CacheSettings,
  type Command,
  type CommandContext,
  type CommandDefinition,
  type CommandSandbox,
  type SandboxRequest,
  type SandboxedCommand,
  type OptionDefinition,
  type Config,
  type ConfigInput,
  type Context,
  type DebianSource,
  type DepRef,
  type GoalDefinition,
  type HostRequirement,
  type HostToolRequirement,
  type HostProbeRequirement,
  type NodeDirs,
  type PathSource,
  type Phase,
  type PhaseName,
  type PhaseResult,
  type InstallCheckInput,
  type PlaceDefinition,
  type PlaceFacts,
  type PlaceRequest,
  type PlaceResolver,
  type Recipe,
  type RecipeInput,
  type Source,
  type UrlSource,
} from './recipe.ts';
export { EngineError, isEngineError, type ErrorCode } from './errors.ts';
export { withJobserverSlots, withFifoJobserver } from './exec/jobserver-slots.ts';
export type { EngineEvent, RunCounts } from './events.ts';
export type { NodeId } from './graph/node-id.ts';
export { installedPaths } from './store/installed.ts';
