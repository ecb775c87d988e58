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
 * Without a jobserver in MAKEFLAGS it runs with -j1.
 */
export function withJobserverSlots(run: (jobs: string) => string): string {
  return [
    'f=; case " $MAKEFLAGS " in *" --jobserver-auth=fifo:"*) f=${MAKEFLAGS#*--jobserver-auth=fifo:}; f=${f%% *};; esac',
    'm=1; case " $MAKEFLAGS " in *" -j"[0-9]*) m=${MAKEFLAGS#* -j}; m=${m%% *};; esac',
    'n=1',
    'if [ -p "$f" ] && exec 9<>"$f"; then while [ "$n" -lt "$m" ] && [ -n "$(dd bs=1 count=1 iflag=nonblock <&9 2>/dev/null)" ]; do n=$((n+1)); done; fi',
    'echo "jobserver: $n job(s) for this command" >&2',
    `(${run('$n')}); s=$?`,
    'while [ "$n" -gt 1 ]; do printf + >&9; n=$((n-1)); done',
    'exit $s',
  ].join('\n');
}
