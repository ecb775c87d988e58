/**
 * Errors a user can meet. Each has a stable code (for tests and tools) and a
 * message written for people: what happened and what to do. The CLI prints the
 * message alone; the stack is shown only with --debug.
 */
export type ErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_LOAD'
  | 'CONFIG_INVALID'
  | 'CYCLE'
  | 'UNKNOWN_DEP'
  | 'UNKNOWN_GOAL'
  | 'UNKNOWN_PLACE'
  | 'UNKNOWN_NODE'
  | 'NO_LOG'
  | 'NO_RUN_RECORD'
  | 'MANIFEST_CONFLICT'
  | 'LOCKED'
  | 'BUILD_FAILED'
  | 'INTERRUPTED'
  | 'MISSING_TOOL'
  | 'USAGE'
  | 'SOURCE_MISSING'
  | 'CHECKSUM_MISMATCH'
  | 'DOWNLOAD_FAILED'
  | 'UNSAFE_ARCHIVE'
  | 'EXTRACT_FAILED'
  | 'PATCH_FAILED'
  | 'UNSUPPORTED_ARCHIVE'
  | 'STATE_CORRUPT'
  | 'NOT_BUILT'
  | 'JOBSERVER_FAILED'
  | 'NO_TEST_SUITE';

/** Exit status per kind of failure: 2 for problems with the input, 1 for failed work. */
const EXIT_STATUS: Partial<Record<ErrorCode, number>> = {
  CONFIG_NOT_FOUND: 2,
  CONFIG_LOAD: 2,
  CONFIG_INVALID: 2,
  CYCLE: 2,
  UNKNOWN_DEP: 2,
  UNKNOWN_GOAL: 2,
  UNKNOWN_PLACE: 2,
  UNKNOWN_NODE: 2,
  USAGE: 2,
  NO_TEST_SUITE: 2,
  INTERRUPTED: 130,
};

export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly exitStatus: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitStatus?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.exitStatus = options?.exitStatus ?? EXIT_STATUS[code] ?? 1;
  }
}

export function isEngineError(value: unknown): value is EngineError {
  return value instanceof EngineError;
}
