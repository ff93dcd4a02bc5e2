/** A service's start environment judged by its own config schema, for the deployment tests. */
import { baseServiceEnv, loadConfig } from '@msync/platform';

/** Variables given before the code that reads them lands (remove each once it does). */
const ANNOUNCED: Partial<Record<string, string[]>> = {};
/** Read by Node itself, not by the service's config: the heap limits (ADR 0122). */
const RUNTIME = ['NODE_OPTIONS'];

type Schema = Parameters<typeof loadConfig>[0];

async function configSchemaOf(service: string): Promise<Schema> {
  const module = (await import(`../../services/${service}/src/config.js`)) as {
    configSchema: Schema;
  };
  return module.configSchema;
}

/** What the service would refuse to start on (one line per bad variable); [] when it starts. */
export async function startProblems(service: string, env: Record<string, string>) {
  const problems: string[] = [];
  for (const schema of [await configSchemaOf(service), baseServiceEnv]) {
    try {
      loadConfig(schema, env);
    } catch (error) {
      problems.push(...((error as { problems?: string[] }).problems ?? [String(error)]));
    }
  }
  return problems;
}

/** The variables among `given` that the service does not read (typos, leftovers). */
export async function unreadVariables(service: string, given: string[]): Promise<string[]> {
  const known = new Set([
    ...Object.keys((await configSchemaOf(service)).shape),
    ...Object.keys(baseServiceEnv.shape),
    ...(ANNOUNCED[service] ?? []),
    ...RUNTIME,
  ]);
  return given.filter((name) => !known.has(name));
}

/** Every variable some service reads. */
export async function variablesOfAnyService(services: readonly string[]): Promise<Set<string>> {
  const known = new Set(Object.keys(baseServiceEnv.shape));
  for (const service of services)
    for (const key of Object.keys((await configSchemaOf(service)).shape)) known.add(key);
  return known;
}
