/**
 * The report in a real browser: Debian's chromium, headless, with the network
 * blocked. A query script appended to a copy of the page runs in Chromium's DOM
 * and writes its answers into the page, which --dump-dom prints. A screenshot is
 * kept as a CI artifact in build/report-screenshot.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { makeProject, REPO, type TestProject } from '../helpers/project.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

async function findChromium(): Promise<string | undefined> {
  for (const candidate of CHROMIUM) if (await fs.access(candidate).then(() => true, () => false)) return candidate;
  return undefined;
}

const QUERY = `<script>
addEventListener('load', function () {
  var bars = Array.from(document.querySelectorAll('svg#timeline rect.bar[data-node]'));
  var answer = {
    bars: bars.map(function (b) { return b.getAttribute('data-node'); }).sort(),
    critical: Array.from(document.querySelectorAll('svg#timeline rect.bar.critical[data-critical="true"]')).map(function (b) { return b.getAttribute('data-node'); }).sort(),
    barWidths: bars.map(function (b) { return b.getBoundingClientRect().width; }),
    graphNodes: document.querySelectorAll('svg#graph g.gnode[data-node]').length,
    external: Array.from(document.querySelectorAll('[src],[href]')).length
  };
  var out = document.createElement('pre');
  out.id = 'dom-query';
  out.textContent = JSON.stringify(answer);
  document.body.appendChild(out);
});
</script>`;

describe('report in headless Chromium', () => {
  let project: TestProject;
  let chromium: string | undefined;
  beforeAll(async () => {
    chromium = await findChromium();
    project = await makeProject('basic');
  });
  afterAll(async () => {
    await project.remove();
  });

  it('has one timeline bar per built node and the critical path marked, offline', async () => {
    // CI installs chromium (.ci/setup-debian.sh); without it there is no browser to ask.
    expect(chromium, 'chromium is not installed: run .ci/setup-debian.sh').toBeDefined();
    expect((await project.cli('run', 'all', '-j', '2')).exitCode).toBe(0);
    expect((await project.cli('report')).exitCode).toBe(0);
    const report = project.path('build/report.html');
    const probe = project.path('build/report-probe.html');
    await fs.writeFile(probe, (await fs.readFile(report, 'utf8')).replace('</body>', `${QUERY}</body>`));
    const offline = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      `--user-data-dir=${project.path('chromium-profile')}`,
      // No network: every host resolves nowhere and every proxy is a closed port.
      '--host-resolver-rules=MAP * ~NOTFOUND',
      '--proxy-server=127.0.0.1:9',
    ];
    const dom = await execa(chromium!, [...offline, '--virtual-time-budget=2000', '--dump-dom', `file://${probe}`], { reject: false, timeout: 60_000 });
    const match = /<pre id="dom-query">([^<]*)<\/pre>/.exec(String(dom.stdout));
    expect(match, String(dom.stderr).slice(-2000)).not.toBeNull();
    const answer = JSON.parse(match![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as {
      bars: string[];
      critical: string[];
      barWidths: number[];
      graphNodes: number;
      external: number;
    };
    expect(answer.bars).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    expect(answer.critical).toEqual(['hello@host', 'libgreet@host']);
    for (const width of answer.barWidths) expect(width).toBeGreaterThan(0);
    expect(answer.graphNodes).toBe(3);
    expect(answer.external).toBe(0);

    const screenshot = path.join(REPO, 'build', 'report-screenshot.png');
    await fs.mkdir(path.dirname(screenshot), { recursive: true });
    await fs.rm(screenshot, { force: true });
    await execa(chromium!, [...offline, '--window-size=1280,1000', `--screenshot=${screenshot}`, `file://${report}`], { reject: false, timeout: 60_000 });
    const png = await fs.readFile(screenshot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });
});
