/**
 * The HTML report of a run: one self-contained page (inline CSS, SVG and a few
 * lines of script; nothing loaded from anywhere, so it opens offline and can be
 * attached to a CI run). Sections: summary, a Gantt timeline by worker slot with
 * the critical path marked, the critical path itself, the slowest nodes, cache
 * hits, failures with their log excerpts, and the dependency graph of the goals.
 *
 * Stable hooks for tools and tests: every timeline bar is an element with class
 * `bar` and `data-node`; bars on the critical path also have class `critical` and
 * `data-critical="true"`; graph nodes are `g.gnode[data-node]`.
 */
import type { NodeId } from '../graph/node-id.ts';
import { criticalPath } from './critical-path.ts';
import { layeredLayout } from './graph-layout.ts';
import type { RunGraph } from './run-record.ts';
import type { NodeSpan, RunTimeline } from './timeline.ts';

export interface ReportInput {
  timeline: RunTimeline;
  graph: RunGraph | undefined;
  buildRoot: string;
  generatedAt: Date;
}

const esc = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const seconds = (ms: number): string => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

const durationOf = (span: NodeSpan): number => span.end - span.start;

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fbfbfd}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}
.muted{color:#667}.ok{color:#17803d}.bad{color:#b42318}
table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #eef}th{font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f3f4f8;border:1px solid #dde;padding:8px;overflow:auto;max-height:24em;font-size:12px}
code{background:#f3f4f8;padding:1px 4px}
svg text{font:11px system-ui,sans-serif}
.bar{stroke:#fff;stroke-width:1}.bar.built{fill:#6b8fd6}.bar.restored{fill:#3aa39a}.bar.failed{fill:#d9534f}
.bar.cancelled,.bar.unfinished{fill:#b9b9c4}.bar.critical{stroke:#e8590c;stroke-width:3}
.phase{fill:#fff;opacity:.28}.lane{fill:#f0f1f6}.tick{stroke:#d5d7e0}
.gnode rect{fill:#fff;stroke:#8a93a8}.gnode.built rect{fill:#dfe8fb}.gnode.restored rect{fill:#d9f2ef}.gnode.fresh rect{fill:#eef0f3}
.gnode.failed rect{fill:#f9dcdb;stroke:#b42318}.gnode.skipped rect{fill:#fff4d6}.gnode.critical rect{stroke:#e8590c;stroke-width:3}
.gnode.goal text{font-weight:700}.edge{fill:none;stroke:#9aa3b8}.edge.critical{stroke:#e8590c;stroke-width:2}
.sel{outline:3px solid #ffb020}.legend span{display:inline-block;padding:0 8px;margin-right:6px;border-radius:3px}
#details{position:sticky;top:0;background:#fffbe6;border:1px solid #f0d890;padding:6px 10px;display:none}
`;

// Clicking a bar or a graph node selects that node everywhere and shows its details.
const SCRIPT = `
document.addEventListener('click',function(e){
  var t=e.target.closest('[data-node]');if(!t)return;var id=t.getAttribute('data-node');
  document.querySelectorAll('.sel').forEach(function(n){n.classList.remove('sel')});
  document.querySelectorAll('[data-node]').forEach(function(n){if(n.getAttribute('data-node')===id)n.classList.add('sel')});
  var d=document.getElementById('details');d.style.display='block';d.textContent=id+': '+(t.getAttribute('data-info')||'');
});
`;

export function renderReport(input: ReportInput): string {
  const { timeline } = input;
  const spans = timeline.spans;
  const spanOf = new Map(spans.map((s) => [s.id, s]));
  const deps = new Map<NodeId, NodeId[]>(
    input.graph ? Object.entries(input.graph.deps).map(([id, list]) => [id as NodeId, list]) : spans.map((s) => [s.id, [] as NodeId[]]),
  );
  const durations = new Map(spans.map((s) => [s.id, durationOf(s)]));
  const critical = criticalPath(deps, durations);
  const onPath = new Set(critical);
  const result = timeline.result;
  const runMs = result?.durationMs ?? timeline.end - timeline.start;
  const verdict = !result ? 'did not finish (no end was recorded)' : result.ok ? 'succeeded' : result.interrupted ? 'was interrupted' : 'failed';
  const counts = result?.counts;
  const info = (s: NodeSpan): string =>
    `${s.status}, ${seconds(durationOf(s))} on slot ${s.slot}` + (s.phases.length ? ` (${s.phases.map((p) => `${p.phase} ${seconds(p.end - p.start)}`).join(', ')})` : '') + (s.from ? `, from the ${s.from} cache` : '');

  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>rootfs-engine run report: ${esc(timeline.goals.join(' '))}</title><style>${CSS}</style></head><body>`);
  parts.push(`<h1>rootfs-engine run: ${esc(timeline.goals.join(' ') || '(no goals)')}</h1>`);
  parts.push(
    `<p class="${result?.ok ? 'ok' : 'bad'}">The run ${verdict} in ${seconds(runMs)}, with ${timeline.jobs} job slot${timeline.jobs === 1 ? '' : 's'}, started ${esc(new Date(timeline.start).toISOString())}.</p>`,
  );
  if (counts) {
    parts.push(
      `<p id="counts">${counts.total} nodes: ${counts.built} built, ${counts.restored ?? 0} restored, ${counts.fresh} up to date, ${counts.failed} failed, ${counts.skipped} skipped${counts.cancelled ? `, ${counts.cancelled} cancelled` : ''}.</p>`,
    );
  }
  parts.push(`<p class="muted">Build root ${esc(input.buildRoot)}; report written ${esc(input.generatedAt.toISOString())}. Click a bar or a node for its details.</p><div id="details"></div>`);

  parts.push(`<h2>Timeline</h2>`);
  parts.push(
    `<p class="legend"><span style="background:#6b8fd6;color:#fff">built</span><span style="background:#3aa39a;color:#fff">restored</span><span style="background:#d9534f;color:#fff">failed</span><span style="background:#b9b9c4">cancelled / unfinished</span><span style="border:3px solid #e8590c">critical path</span></p>`,
  );
  parts.push(ganttSvg(timeline, onPath, info));

  parts.push(`<h2>Critical path</h2>`);
  if (critical.length === 0) parts.push(`<p class="muted">Nothing ran, so there is no critical path.</p>`);
  else {
    const total = critical.reduce((sum, id) => sum + (durations.get(id) ?? 0), 0);
    parts.push(
      `<p>The longest chain of dependencies by the time its nodes took: ${seconds(total)} of the run's ${seconds(runMs)}. Only making these faster shortens the run.</p><ol id="critical-path">`,
    );
    for (const id of critical) parts.push(`<li data-node="${esc(id)}" data-critical="true"><code>${esc(id)}</code> ${seconds(durations.get(id) ?? 0)}</li>`);
    parts.push(`</ol>`);
  }

  parts.push(`<h2>Slowest nodes</h2>`);
  const slowest = [...spans].sort((a, b) => durationOf(b) - durationOf(a)).slice(0, 15);
  if (slowest.length === 0) parts.push(`<p class="muted">No node ran.</p>`);
  else {
    parts.push(`<table id="slowest"><tr><th>node</th><th>status</th><th>time</th><th>phases</th></tr>`);
    for (const s of slowest) {
      parts.push(
        `<tr data-node="${esc(s.id)}"><td><code>${esc(s.id)}</code>${onPath.has(s.id) ? ' <span class="muted">(critical)</span>' : ''}</td><td>${s.status}</td><td class="num">${seconds(durationOf(s))}</td><td>${esc(s.phases.map((p) => `${p.phase} ${seconds(p.end - p.start)}`).join(', '))}</td></tr>`,
      );
    }
    parts.push(`</table>`);
  }

  parts.push(`<h2>Cache hits</h2>`);
  const restored = spans.filter((s) => s.status === 'restored');
  parts.push(
    `<p id="cache">${timeline.fresh.length} node${timeline.fresh.length === 1 ? ' was' : 's were'} up to date (nothing to do) and ${restored.length} ${restored.length === 1 ? 'was' : 'were'} restored from the artifact cache.</p>`,
  );
  if (restored.length > 0) {
    parts.push(`<table><tr><th>restored</th><th>from</th><th>time</th></tr>`);
    for (const s of restored) parts.push(`<tr data-node="${esc(s.id)}"><td><code>${esc(s.id)}</code></td><td>${s.from ?? ''}</td><td class="num">${seconds(durationOf(s))}</td></tr>`);
    parts.push(`</table>`);
  }
  if (timeline.fresh.length > 0) parts.push(`<details><summary>Up to date (${timeline.fresh.length})</summary><p>${timeline.fresh.map((f) => `<code>${esc(f.id)}</code>`).join(' ')}</p></details>`);

  parts.push(`<h2>Failures</h2>`);
  const failed = spans.filter((s) => s.failure);
  if (failed.length === 0) parts.push(`<p class="ok">No node failed.</p>`);
  for (const s of failed) {
    const f = s.failure!;
    parts.push(`<div class="failure" data-node="${esc(s.id)}"><h3><code>${esc(s.id)}</code>: ${esc(f.phase)} failed</h3><p>${esc(f.message)}</p>`);
    if (f.tail.length > 0) parts.push(`<p class="muted">Last ${f.tail.length} lines of ${esc(f.logFile ?? 'the log')}:</p><pre>${esc(f.tail.join('\n'))}</pre>`);
    if (f.logFile) parts.push(`<p>The whole log: <code>rootfs-engine log ${esc(s.id)} ${esc(f.phase)}</code></p>`);
    parts.push(`</div>`);
  }
  if (timeline.skipped.length > 0) {
    parts.push(`<p>Skipped because a dependency did not build: ${timeline.skipped.map((k) => `<code>${esc(k.id)}</code> (needs ${esc(k.blockedBy)})`).join(', ')}.</p>`);
  }

  parts.push(`<h2>Dependency graph</h2>`);
  if (!input.graph) parts.push(`<p class="muted">The run's graph was not recorded.</p>`);
  else {
    const status = (id: NodeId): string => {
      const span = spanOf.get(id);
      if (span) return span.status;
      if (timeline.fresh.some((f) => f.id === id)) return 'fresh';
      if (timeline.skipped.some((k) => k.id === id)) return 'skipped';
      return 'not-run';
    };
    parts.push(graphSvg(deps, new Set(input.graph.goals), onPath, status));
  }
  parts.push(`<script>${SCRIPT}</script></body></html>\n`);
  return parts.join('\n');
}

function ganttSvg(timeline: RunTimeline, onPath: ReadonlySet<NodeId>, info: (s: NodeSpan) => string): string {
  const spans = timeline.spans;
  const slots = Math.max(timeline.jobs, ...spans.map((s) => s.slot + 1));
  const label = 70;
  const width = 1100;
  const lane = 30;
  const top = 22;
  const span = Math.max(1, timeline.end - timeline.start);
  const x = (time: number): number => label + ((time - timeline.start) / span) * (width - label - 10);
  const out: string[] = [`<svg id="timeline" width="${width}" height="${top + slots * lane + 6}" viewBox="0 0 ${width} ${top + slots * lane + 6}" role="img" aria-label="timeline by worker slot">`];
  const step = niceStep(span);
  for (let t = 0; t <= span; t += step) {
    const px = x(timeline.start + t).toFixed(1);
    out.push(`<line class="tick" x1="${px}" x2="${px}" y1="${top - 4}" y2="${top + slots * lane}"/><text x="${px}" y="12" text-anchor="middle">${seconds(t)}</text>`);
  }
  for (let slot = 0; slot < slots; slot += 1) {
    const y = top + slot * lane;
    out.push(`<rect class="lane" x="${label}" y="${y + 2}" width="${width - label - 10}" height="${lane - 4}"/><text x="4" y="${y + lane / 2 + 4}">slot ${slot}</text>`);
  }
  for (const s of spans) {
    const y = top + s.slot * lane + 3;
    const x0 = x(s.start);
    const w = Math.max(2, x(s.end) - x0);
    const critical = onPath.has(s.id);
    out.push(
      `<g class="entry" data-node="${esc(s.id)}" data-info="${esc(info(s))}"><rect class="bar ${s.status}${critical ? ' critical' : ''}" data-node="${esc(s.id)}"${critical ? ' data-critical="true"' : ''} data-start-ms="${s.start - timeline.start}" data-duration-ms="${s.end - s.start}" x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${lane - 6}"><title>${esc(`${s.id}: ${info(s)}`)}</title></rect>`,
    );
    for (const p of s.phases) {
      const px = x(p.start);
      const pw = x(p.end) - px;
      if (pw >= 3) out.push(`<rect class="phase" x="${(px + 1).toFixed(1)}" y="${y + lane - 11}" width="${(pw - 2).toFixed(1)}" height="3"><title>${esc(`${s.id} ${p.phase}: ${seconds(p.end - p.start)}`)}</title></rect>`);
    }
    if (w > 60) out.push(`<text x="${(x0 + 4).toFixed(1)}" y="${y + 14}" fill="#fff" pointer-events="none">${esc(s.id.length * 6 > w - 8 ? `${s.id.slice(0, Math.max(1, Math.floor((w - 8) / 6) - 1))}…` : s.id)}</text>`);
    out.push(`</g>`);
  }
  out.push(`</svg>`);
  return out.join('');
}

function niceStep(ms: number): number {
  for (const step of [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000]) if (ms / step <= 12) return step;
  return 7_200_000;
}

function graphSvg(deps: ReadonlyMap<NodeId, readonly NodeId[]>, goals: ReadonlySet<NodeId>, onPath: ReadonlySet<NodeId>, status: (id: NodeId) => string): string {
  const layout = layeredLayout(deps);
  const boxW = 180;
  const boxH = 30;
  const gapX = 60;
  const gapY = 14;
  const width = Math.max(1, layout.columns) * (boxW + gapX) + 10;
  const height = Math.max(1, layout.rows) * (boxH + gapY) + 10;
  const at = new Map(layout.nodes.map((n) => [n.id, { x: 5 + n.column * (boxW + gapX), y: 5 + n.row * (boxH + gapY) }]));
  const out: string[] = [`<svg id="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="dependency graph">`];
  for (const [id, list] of deps) {
    const to = at.get(id);
    if (!to) continue;
    for (const dep of list) {
      const from = at.get(dep);
      if (!from) continue;
      const x1 = from.x + boxW;
      const y1 = from.y + boxH / 2;
      const x2 = to.x;
      const y2 = to.y + boxH / 2;
      const bend = (x2 - x1) / 2;
      const critical = onPath.has(id) && onPath.has(dep);
      out.push(`<path class="edge${critical ? ' critical' : ''}" d="M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}"/>`);
    }
  }
  for (const node of layout.nodes) {
    const { x, y } = at.get(node.id)!;
    const classes = ['gnode', status(node.id), onPath.has(node.id) ? 'critical' : '', goals.has(node.id) ? 'goal' : ''].filter(Boolean).join(' ');
    const name = node.id.length > 28 ? `${node.id.slice(0, 27)}…` : node.id;
    out.push(
      `<g class="${classes}" data-node="${esc(node.id)}" data-info="${esc(status(node.id))}"><rect x="${x}" y="${y}" width="${boxW}" height="${boxH}" rx="4"/><text x="${x + 6}" y="${y + 19}">${esc(name)}</text><title>${esc(`${node.id} (${status(node.id)})`)}</title></g>`,
    );
  }
  out.push(`</svg>`);
  return out.join('');
}
