import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * Samples named processes from /proc: resident memory (VmRSS, keeping each name's maximum and
 * mean) and CPU time (user + system). A restarted process keeps its name and gets its new pid;
 * the CPU time of the pids it had before is kept.
 */
export class ProcessSampler {
  private readonly pids = new Map<string, number>();
  private readonly maxKb = new Map<string, number>();
  /** Each name's RSS samples: their sum (kB) and count. */
  private readonly sumKb = new Map<string, { kb: number; samples: number }>();
  /** CPU seconds of a name's earlier pids, and of its current one at the last sample. */
  private readonly cpuBefore = new Map<string, number>();
  private readonly cpuNow = new Map<string, number>();
  /** Names whose CPU time includes their children's (a server that forks per connection). */
  private readonly trees = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  watch(name: string, pid: number | undefined, options: { children?: boolean } = {}): void {
    if (pid === undefined) return;
    if (options.children) this.trees.add(name);
    if (this.pids.has(name) && this.pids.get(name) !== pid) {
      this.cpuBefore.set(name, (this.cpuBefore.get(name) ?? 0) + (this.cpuNow.get(name) ?? 0));
      this.cpuNow.set(name, 0);
    }
    this.pids.set(name, pid);
  }

  /** Watches the first process whose command line contains `pattern` (shared servers). */
  watchCommand(name: string, pattern: string, options: { children?: boolean } = {}): void {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
        if (cmdline.includes(pattern)) return this.watch(name, Number(entry), options);
      } catch {
        // gone meanwhile
      }
    }
  }

  start(everyMs = 2_000): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Name → peak RSS in MB, in the order the names were first watched. */
  peakRssMb(): Map<string, number> {
    return new Map([...this.pids.keys()].map((name) => [name, (this.maxKb.get(name) ?? 0) / 1024]));
  }

  /**
   * Name → mean RSS in MB over the samples taken, in the order the names were first watched: a
   * peak is one instant of a process whose memory moves with its work, the mean all of them.
   */
  meanRssMb(): Map<string, number> {
    return new Map(
      [...this.pids.keys()].map((name) => {
        const sum = this.sumKb.get(name);
        return [name, sum && sum.samples > 0 ? sum.kb / sum.samples / 1024 : 0];
      }),
    );
  }

  /** Name → CPU seconds used so far (sampled now). */
  cpuSeconds(): Map<string, number> {
    this.sample();
    return new Map(
      [...this.pids.keys()].map((name) => [
        name,
        (this.cpuBefore.get(name) ?? 0) + (this.cpuNow.get(name) ?? 0),
      ]),
    );
  }

  private sample(): void {
    const children = this.trees.size > 0 ? childrenByParent() : new Map<number, number[]>();
    for (const [name, pid] of this.pids) {
      const status = read(`/proc/${pid}/status`);
      const rss = status && /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (rss) {
        const kb = Number(rss[1]);
        this.maxKb.set(name, Math.max(kb, this.maxKb.get(name) ?? 0));
        const sum = this.sumKb.get(name) ?? { kb: 0, samples: 0 };
        this.sumKb.set(name, { kb: sum.kb + kb, samples: sum.samples + 1 });
      }
      const own = cpuTicks(pid, this.trees.has(name));
      if (own === undefined) continue;
      // Live children's time; that of children gone is in the parent's cutime and cstime.
      const live = this.trees.has(name)
        ? (children.get(pid) ?? []).reduce((sum, child) => sum + (cpuTicks(child, false) ?? 0), 0)
        : 0;
      this.cpuNow.set(name, (own + live) / TICKS_PER_SECOND);
    }
  }
}

/** utime + stime of a process (and cutime + cstime, its waited-for children's, if asked). */
function cpuTicks(pid: number, withExitedChildren: boolean): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // Fields after the command's closing parenthesis: utime, stime, cutime and cstime are the 12th
  // to the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  return withExitedChildren ? own + Number(fields[13]) + Number(fields[14]) : own;
}

/** Parent pid → its children's pids, from /proc. */
function childrenByParent(): Map<number, number[]> {
  const result = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    if (!stat) continue;
    // The parent pid is the second field after the command.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    result.set(ppid, [...(result.get(ppid) ?? []), Number(entry)]);
  }
  return result;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process is gone (killed, restarting)
  }
}
