/** `rootfs-engine report [--out FILE]`: an HTML page about the last run of the build root. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.ts';
import { renderReport } from '../observe/report-html.ts';
import { readLastRun } from '../observe/run-record.ts';
import { timelineOf } from '../observe/timeline.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { openSession, type GlobalOptions } from './session.ts';

export interface ReportOptions extends GlobalOptions {
  out?: string;
}

export async function reportCommand(options: ReportOptions): Promise<number> {
  const session = await openSession(options);
  const { layout } = session;
  const last = await readLastRun(layout.runsDir);
  if (!last || !last.events.some((e) => e.type === 'run-start')) {
    throw new EngineError(
      'NO_RUN_RECORD',
      `There is no recorded run in ${layout.root} (${path.join(layout.runsDir, 'last.ndjson')} is missing or empty). Run \`rootfs-engine run <goal>\` first; every run records its events there.`,
    );
  }
  const out = path.resolve(options.out ?? path.join(layout.root, 'report.html'));
  const html = renderReport({ timeline: timelineOf(last.events), graph: last.graph, buildRoot: layout.root, generatedAt: new Date() });
  await fs.mkdir(path.dirname(out), { recursive: true });
  await writeFileAtomic(out, html);
  process.stdout.write(`${out}\n`);
  return 0;
}
