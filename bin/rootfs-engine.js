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

registerEsm();
registerCjs();
const { main } = await import('../engine/cli/main.ts');
process.exitCode = await main(process.argv);
