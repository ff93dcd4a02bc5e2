/**
 * `--name N` options over defaults: every option must be one of the defaults' names and a
 * positive whole number.
 */
export function parseOptions<T extends Record<string, number>>(args: string[], defaults: T): T {
  const options: Record<string, number> = { ...defaults };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]?.replace(/^--/, '') ?? '';
    const value = Number(args[i + 1]);
    if (!(name in defaults) || !Number.isInteger(value) || value <= 0) {
      const usage = Object.keys(defaults)
        .map((k) => `--${k} N`)
        .join(' ');
      throw new Error(`unknown or invalid option ${args[i]} ${args[i + 1]}; use ${usage}`);
    }
    options[name] = value;
  }
  return options as T;
}
