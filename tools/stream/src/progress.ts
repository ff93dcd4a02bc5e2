/** Counts work done and says so now and then, so a long command is visibly alive. */
export interface Progress {
  tick(n?: number): void;
  done(): void;
}

/**
 * Progress on stderr (stdout stays machine-readable): one line every `everyMs`, and a last one
 * when done. A terminal gets one line rewritten in place.
 */
export function stderrProgress(
  label: string,
  options: { everyMs?: number; write?: (text: string) => void; tty?: boolean } = {},
): Progress {
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const tty = options.tty ?? Boolean(process.stderr.isTTY);
  const everyMs = options.everyMs ?? 1_000;
  let count = 0;
  let last = Date.now();
  const show = (end: boolean) =>
    write(tty ? `\r${label}: ${count}${end ? '\n' : ''}` : `${label}: ${count}\n`);
  return {
    tick(n = 1) {
      count += n;
      if (Date.now() - last >= everyMs) {
        last = Date.now();
        show(false);
      }
    },
    done() {
      show(true);
    },
  };
}
