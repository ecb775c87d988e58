/**
 * The client side for tools that cannot read the jobserver themselves. Kept apart
 * from jobserver.ts: recipes import it through the public API, which must stay
 * free of process-spawning dependencies (configs are loaded through tsx).
 */
/**
 * A shell command for tools that cannot be jobserver clients (ninja before 1.13):
 * it takes as many tokens as it can get at once (at most -jN of MAKEFLAGS, minus
 * the node's own), runs `run(jobs)` with `jobs` = 1 + that many, and gives them
 * back when the tool exits. The tool keeps that parallelism to the end, even
 * through serial stretches (a link), and takes none that free up later.
 *
 * It opens the fifo by path (a file description of its own), so its non-blocking
 * reads never change the blocking mode that make 4.3 relies on for fds 3 and 4.
 * Without a jobserver in MAKEFLAGS it runs with the -jN there (1 if none).
 */
export function withJobserverSlots(run: (jobs: string) => string): string {
  return [
    'f=; case " $MAKEFLAGS " in *" --jobserver-auth=fifo:"*) f=${MAKEFLAGS#*--jobserver-auth=fifo:}; f=${f%% *};; esac',
    'm=1; case " $MAKEFLAGS " in *" -j"[0-9]*) m=" $MAKEFLAGS"; m=${m#* -j}; m=${m%% *};; esac',
    't=0',
    // No jobserver (--no-jobserver): the node's own -jN, as make would get.
    'if [ -p "$f" ] && exec 9<>"$f"; then while [ $((t+1)) -lt "$m" ] && [ -n "$(dd bs=1 count=1 iflag=nonblock <&9 2>/dev/null)" ]; do t=$((t+1)); done; n=$((t+1)); else n=$m; fi',
    'echo "jobserver: $n job(s) for this command" >&2',
    `(${run('$n')}); s=$?`,
    'while [ "$t" -gt 0 ]; do printf + >&9; t=$((t-1)); done',
    'exit $s',
  ].join('\n');
}

/**
 * A shell command run with only the fifo form of the jobserver in MAKEFLAGS, for
 * clients that read the fifo themselves but take the last --jobserver-auth they see
 * and refuse the `R,W` pipe form (ninja >= 1.13 then ignores the jobserver and
 * runs as many jobs as it likes). The engine appends the pipe form when an old make
 * is on PATH; this drops it for the one command. Without a jobserver (--no-jobserver)
 * MAKEFLAGS is left as it is.
 */
export function withFifoJobserver(command: string): string {
  return `(MAKEFLAGS=$(printf '%s' "$MAKEFLAGS" | sed 's/ --jobserver-auth=[0-9][0-9]*,[0-9][0-9]*//g'); export MAKEFLAGS; ${command})`;
}
