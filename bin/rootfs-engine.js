#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so `npx rootfs-engine` works
// from a fresh clone with no build step, and so does loading rootfs.config.ts.
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

// A closed pipe (`rootfs-engine list | head`) ends the output, not the process with a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// Node ends a process whose top-level await can never settle with status 13 and no
// word. For us that means work that waits on itself: say so instead of nothing.
process.on('exit', (code) => {
  if (code === 13) {
    process.stderr.write(
      'rootfs-engine: internal error: the engine stopped with work still waiting and nothing left to run it (a scheduling deadlock). ' +
        'What was built so far is kept; running the same command again usually goes on. Please report it with the output of the run and `--debug`.\n',
    );
  }
});

registerEsm();
registerCjs();
const { main } = await import('../engine/cli/main.ts');
process.exitCode = await main(process.argv);
