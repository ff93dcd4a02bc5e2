import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { withContext } from '@msync/test-support';
import { SERVICE_NAMES, serviceNodeOptions } from '../../tools/infra/src/services.js';
import { INFRA_SERVICES } from '../../tools/infra/src/docker.js';
import {
  composeSecretFiles,
  demoSimulatorEnv,
  newLocalSecrets,
} from '../../tools/infra/src/demo.js';
import { composeValidator, describeErrors, root } from './schemas.js';
import { startProblems, unreadVariables } from './service-env.js';

interface ComposeService {
  image?: string;
  build?: { args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  [extension: `x-${string}`]: unknown;
}

const text = readFileSync(`${root}docker-compose.yml`, 'utf8');
// Compose reads YAML 1.1 merge keys (`<<: *anchor`), so the test does too.
const load = (source: string) => parse(source, { merge: true }) as ComposeFile;
const compose = load(text);
const validate = composeValidator();
const problems = (file: unknown) => (validate(file) ? [] : describeErrors(validate.errors));

/**
 * Compose's interpolation with an empty environment: `${X:-default}` is the default, `${X}` is
 * empty, `$$` is a literal `$`.
 */
const interpolate = (value: string | number): string =>
  String(value)
    .replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1')
    .replace(/\$\{[A-Z0-9_]+\}/g, '')
    .replace(/\$\$/g, '$');

/**
 * The environment a service of ours starts with: its `environment`, plus the secrets its command
 * exports from the setup job's files (the variables named in SECRETS).
 */
function startEnvironment(service: ComposeService): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]),
  );
  const files = composeSecretFiles(newLocalSecrets());
  for (const name of (env['SECRETS'] ?? '').split(' ').filter(Boolean)) {
    const value = files[name];
    if (value === undefined) throw new Error(`the setup job writes no ${name}`);
    env[name] = value;
  }
  delete env['SECRETS'];
  return env;
}

describe('docker-compose.yml', () => {
  it('is a valid Compose file', () => {
    expect(problems(compose)).toEqual([]);
  });

  it.each([
    ['a misspelled service key', 'restart: on-failure', 'restrat: on-failure', 'restrat'],
    ['a misspelled healthcheck key', 'start_period: 10s', 'start_periode: 10s', 'start_periode'],
    [
      'an unknown depends_on condition',
      'service_completed_successfully',
      'service_completed',
      '/depends_on/setup/condition',
    ],
    ['an unknown top-level key', 'volumes:\n  ferretdb: {}', 'volume:\n  ferretdb: {}', 'volume'],
  ])('fails validation on %s', (_what, from, to, named) => {
    expect(text).toContain(from);
    expect(problems(load(text.replace(from, to))).join('\n')).toContain(named);
  });

  it.each(SERVICE_NAMES)(
    '%s: built from this repository and started with every variable its config requires',
    async (name) => {
      const service = compose.services[name]!;
      expect(service.build?.args).toEqual({ SERVICE: name });
      expect(service.image).toBe(`msync/${name}:local`);
      expect(service.profiles).toBeUndefined();
      expect(service.read_only).toBe(true);
      const env = startEnvironment(service);
      if (env['ENCRYPTION_KEYS'] !== undefined || service.command !== undefined) {
        // The secrets come from the setup job's volume, read-only, through the shared command.
        expect(service.command).toEqual(compose['x-with-secrets']);
        expect(service.volumes).toContain('msync-state:/var/lib/msync:ro');
      }
      expect(await startProblems(name, env)).toEqual([]);
      expect(await unreadVariables(name, Object.keys(env))).toEqual([]);
      // The heap limits every other way of running it uses (ADR 0122).
      expect(env['NODE_OPTIONS']).toBe(serviceNodeOptions(name));
    },
  );

  it('publishes each service’s ops port on the host as npm start does (9101…9106), and the webhook port', () => {
    SERVICE_NAMES.forEach((name, i) =>
      expect(compose.services[name]!.ports).toContain(`${9101 + i}:8080`),
    );
    expect(compose.services['config-api']!.ports).toContain('8081:8081');
    // The webhook receiver listens where the host (and the ShipBob simulator) reaches it.
    const port = String(compose.services['shipbob-poller']!.environment!['WEBHOOK_PORT']);
    expect(compose.services['shipbob-poller']!.ports).toContain(`${port}:${port}`);
  });

  it('starts the services after the setup job, which makes the secrets, topics and schemas', () => {
    for (const name of SERVICE_NAMES)
      expect(compose.services[name]!.depends_on?.['setup']).toEqual({
        condition: 'service_completed_successfully',
      });
    expect(compose.services['setup']!.command?.join(' ')).toContain('secrets topics');
    expect(compose.services['setup']!.volumes).toEqual(['msync-state:/var/lib/msync']);
  });

  it('keeps the simulators and the demo store in the demo profile, with npm start’s settings', () => {
    for (const name of ['mirakl-sim', 'shipbob-sim', 'demo-setup'])
      expect(compose.services[name]!.profiles).toEqual(['demo']);
    const simulators = demoSimulatorEnv('0.0.0.0');
    for (const name of ['mirakl-sim', 'shipbob-sim'] as const)
      expect(startEnvironment(compose.services[name]!)).toEqual(simulators[name]);
    expect(compose.services['demo-setup']!.command?.join(' ')).toContain('demo');
    expect(compose.services['demo-setup']!.depends_on?.['config-api']).toEqual({
      condition: 'service_healthy',
    });
  });

  it('every program a build names is a source file of this repository', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const entry = service.build?.args?.['ENTRY'];
      if (entry === undefined) continue;
      const source = entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts');
      withContext(`${name}: ${source}`, () => expect(existsSync(`${root}${source}`)).toBe(true));
    }
  });

  it('npm run infra -- up names exactly the infrastructure, which depends on nothing else', () => {
    const infrastructure = Object.entries(compose.services)
      .filter(([, s]) => s.build === undefined)
      .map(([name]) => name);
    expect(infrastructure.sort()).toEqual([...INFRA_SERVICES].sort());
    for (const name of INFRA_SERVICES) {
      expect(compose.services[name]!.depends_on).toBeUndefined();
      expect(compose.services[name]!.profiles).toBeUndefined();
    }
  });
});
