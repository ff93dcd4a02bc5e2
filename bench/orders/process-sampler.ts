import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * Samples named processes from /proc: resident memory (VmRSS, keeping each name's maximum) and
 * CPU time (user + system). A restarted process keeps its name and gets its new pid; the CPU
 * time of the pids it had before is kept.
 */
export class ProcessSampler {
  private readonly pids = new Map<string, number>();
  private readonly maxKb = new Map<string, number>();
  /** CPU seconds of a name's earlier pids, and of its current one at the last sample. */
  private readonly cpuBefore = new Map<string, number>();
  private readonly cpuNow = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  watch(name: string, pid: number | undefined): void {
    if (pid === undefined) return;
    if (this.pids.has(name) && this.pids.get(name) !== pid) {
      this.cpuBefore.set(name, (this.cpuBefore.get(name) ?? 0) + (this.cpuNow.get(name) ?? 0));
      this.cpuNow.set(name, 0);
    }
    this.pids.set(name, pid);
  }

  /** Watches the first process whose command line contains `pattern` (shared servers). */
  watchCommand(name: string, pattern: string): void {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
        if (cmdline.includes(pattern)) return this.watch(name, Number(entry));
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
    for (const [name, pid] of this.pids) {
      const status = read(`/proc/${pid}/status`);
      const rss = status && /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (rss) this.maxKb.set(name, Math.max(Number(rss[1]), this.maxKb.get(name) ?? 0));
      const stat = read(`/proc/${pid}/stat`);
      if (stat) {
        // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        this.cpuNow.set(name, ticks / TICKS_PER_SECOND);
      }
    }
  }
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process is gone (killed, restarting)
  }
}
