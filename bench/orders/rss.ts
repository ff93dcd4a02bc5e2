import { readFileSync } from 'node:fs';

/**
 * Samples the resident memory (VmRSS in /proc/<pid>/status) of named processes and keeps each
 * name's maximum; a restarted process keeps its name and gets its new pid.
 */
export class RssSampler {
  private readonly pids = new Map<string, number>();
  private readonly maxKb = new Map<string, number>();
  private readonly lastKb = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  watch(name: string, pid: number | undefined): void {
    if (pid !== undefined) this.pids.set(name, pid);
  }

  start(everyMs = 2_000): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Name → [max MB, last MB], in the order the names were first watched. */
  figures(): Map<string, { maxMb: number; lastMb: number }> {
    return new Map(
      [...this.pids.keys()].map((name) => [
        name,
        { maxMb: (this.maxKb.get(name) ?? 0) / 1024, lastMb: (this.lastKb.get(name) ?? 0) / 1024 },
      ]),
    );
  }

  private sample(): void {
    for (const [name, pid] of this.pids) {
      const kb = vmRssKb(pid);
      if (kb === undefined) continue;
      this.lastKb.set(name, kb);
      this.maxKb.set(name, Math.max(kb, this.maxKb.get(name) ?? 0));
    }
  }
}

function vmRssKb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // the process is gone (killed, restarting)
  }
}
