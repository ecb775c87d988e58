/**
 * When not to start another node although a slot is free: too many heavy
 * (memory-hungry) nodes for the memory at hand, or a system already under CPU,
 * memory or I/O pressure (Linux PSI, as BitBake's BB_PRESSURE_MAX_*).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Memory a heavy node (an LLVM build at -j2 on its own) is given room for. */
export const HEAVY_NODE_BYTES = 8 * 1024 ** 3;

/** Heavy nodes at once: one per 8 GiB of available memory, at least 1, at most --jobs. */
export function defaultMaxHeavy(jobs: number, availableBytes: number = os.freemem()): number {
  return Math.max(1, Math.min(jobs, Math.floor(availableBytes / HEAVY_NODE_BYTES)));
}

export type PressureResource = 'cpu' | 'memory' | 'io';

/** Limits on the `some avg10` figure of /proc/pressure/<resource>, in percent. */
export type PressureLimits = Partial<Record<PressureResource, number>>;

/** `some avg10` of one resource, or undefined where the kernel has no PSI. */
export function readPressure(resource: PressureResource, root = '/proc/pressure'): number | undefined {
  try {
    const text = readFileSync(`${root}/${resource}`, 'utf8');
    const match = /^some avg10=([\d.]+)/m.exec(text);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A check the scheduler calls before each start: true while every resource is at
 * or below its limit. Readings are reused for 200 ms (avg10 moves slowly).
 */
export function pressureGate(limits: PressureLimits, read: (resource: PressureResource) => number | undefined = readPressure): () => boolean {
  let checkedAt = 0;
  let ok = true;
  return () => {
    const now = Date.now();
    if (now - checkedAt < 200) return ok;
    checkedAt = now;
    ok = Object.entries(limits).every(([resource, limit]) => {
      const value = read(resource as PressureResource);
      return value === undefined || limit === undefined || value <= limit;
    });
    return ok;
  };
}

/** Parse `cpu=80,memory=10` (percent) for --max-pressure. */
export function parsePressureLimits(text: string): PressureLimits | string {
  const limits: PressureLimits = {};
  for (const part of text.split(',')) {
    const match = /^(cpu|memory|io)=(\d+(?:\.\d+)?)$/.exec(part.trim());
    if (!match) return `"${part}" is not RESOURCE=PERCENT (cpu, memory or io, e.g. cpu=90,memory=20)`;
    const value = Number(match[2]);
    if (value > 100) return `${match[1]}=${value}: pressure is a percentage, at most 100`;
    limits[match[1] as PressureResource] = value;
  }
  return limits;
}
