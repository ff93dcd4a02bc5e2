/** What every benchmark needs: its options and the infrastructure to run on. */
import { context, up, type InfraEnv } from '../tools/infra/src/index.js';

/**
 * Reads `--name value` pairs over `defaults` (positive integers, 0 too where the default is 0 or
 * less, or one of the allowed words for a string default given as `choices`). Unknown names and
 * bad values throw, naming the options.
 */
export function parseOptions<T extends Record<string, number | string>>(
  args: string[],
  defaults: T,
  choices: Partial<Record<keyof T, readonly string[]>> = {},
): T {
  const settings: Record<string, number | string> = { ...defaults };
  const usage = Object.keys(defaults)
    .map((name) => `--${name} ${choices[name]?.join('|') ?? 'N'}`)
    .join(' ');
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]?.replace(/^--/, '') ?? '';
    const raw = args[i + 1] ?? '';
    const allowed = choices[name];
    const value = allowed ? raw : Number(raw);
    const valid = allowed
      ? allowed.includes(raw)
      : Number.isInteger(value) &&
        ((value as number) > 0 || (value === 0 && Number(defaults[name]) <= 0));
    if (!(name in defaults) || !valid)
      throw new Error(`unknown or invalid option ${args[i]} ${raw}; use ${usage}`);
    settings[name] = value;
  }
  return settings as T;
}

/**
 * The V8 flags of `wanted` (`--name=value`) that neither the command line (`execArgv`) nor
 * `NODE_OPTIONS` sets, by name: a flag given either way, whatever its value, is not overridden.
 */
export function missingNodeFlags(
  wanted: readonly string[],
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string[] {
  const given = new Set(
    [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map((arg) => nameOf(arg)),
  );
  return wanted.filter((flag) => !given.has(nameOf(flag)));
}

/** A flag's name, `--max_semi_space_size` and `--max-semi-space-size` alike. */
const nameOf = (flag: string) => flag.split('=')[0]!.replaceAll('_', '-');

/**
 * The servers `given` names (`eval "$(npm run -s infra -- env)"`), else started (cached) by
 * tools/infra.
 */
export async function infrastructure(given: NodeJS.ProcessEnv): Promise<InfraEnv> {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGO_URL, SMTP_URL } = given;
  if (KAFKA_BROKERS && SCHEMA_REGISTRY_URL && MONGO_URL) {
    return { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGO_URL, SMTP_URL: SMTP_URL ?? '' };
  }
  const { env } = await up({ ctx: context((line) => process.stderr.write(`[infra] ${line}\n`)) });
  return env;
}
