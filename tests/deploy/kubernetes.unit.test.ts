import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@msync/platform';
import { withContext } from '@msync/test-support';
import { configSchema as streamConfigSchema } from '../../tools/stream/src/config.js';
import { parseAllDocuments } from 'yaml';
import { topics, type TopicKey } from '@msync/events';
import {
  SERVICE_HEAP,
  SERVICE_MALLOC_ENV,
  SERVICE_NAMES,
  serviceNodeOptions,
} from '../../tools/infra/src/services.js';
import { newLocalSecrets } from '../../tools/infra/src/demo.js';
import { FACT_TOPICS } from '../../services/sync-applier/src/applier.js';
import { kubernetesValidator, kubernetesVersion, root } from './schemas.js';
import { startProblems, unreadVariables, variablesOfAnyService } from './service-env.js';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: {
    allowPrivilegeEscalation: boolean;
    readOnlyRootFilesystem: boolean;
    capabilities: { drop: string[] };
  };
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  automountServiceAccountToken: boolean;
  securityContext: { runAsNonRoot: boolean; runAsUser: number };
  containers: Container[];
}
interface Deployment extends K8sObject {
  spec: { replicas?: number; template: { spec: PodSpec } };
}
interface Rule {
  from?: { namespaceSelector?: { matchLabels: Record<string, string> } }[];
  ports: { port: string | number; protocol: string }[];
}
interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress?: Rule[];
    egress: Rule[];
  };
}

const OVERLAYS = ['overlays/production', 'overlays/demo'] as const;
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** `kubectl kustomize` (or a standalone `kustomize build`) of a folder, as parsed objects. */
function render(dir: string): K8sObject[] {
  const attempts: [string, string[]][] = [
    ['kubectl', ['kustomize', dir]],
    ['kustomize', ['build', dir]],
  ];
  for (const [command, args] of attempts) {
    let output: string;
    try {
      output = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    return parseAllDocuments(output).map((d) => d.toJS() as K8sObject);
  }
  throw new Error('neither kubectl nor kustomize is on PATH: install kubectl (k8s/README.md)');
}

/** The k8s/ folder (and the dashboard it includes) copied with one edit, rendered through an overlay. */
function renderEdited(file: string, from: string, to: string, overlay: string): K8sObject[] {
  const copy = mkdtempSync(join(tmpdir(), 'msync-k8s-'));
  temporary.push(copy);
  for (const dir of ['k8s', 'deploy/grafana'])
    cpSync(`${root}${dir}`, join(copy, dir), { recursive: true });
  const k8s = join(copy, 'k8s');
  const text = readFileSync(join(k8s, file), 'utf8');
  expect(text).toContain(from);
  writeFileSync(join(k8s, file), text.replace(from, to));
  return render(join(k8s, overlay));
}

const validate = kubernetesValidator();
const problems = (objects: K8sObject[]) =>
  objects.flatMap((o) => validate(o).map((p) => `${o.kind} ${o.metadata.name}: ${p}`));
const rendered = Object.fromEntries(
  ['base', ...OVERLAYS].map((dir) => [dir, render(`${root}k8s/${dir}`)]),
) as Record<'base' | (typeof OVERLAYS)[number], K8sObject[]>;

const of = <T extends K8sObject>(objects: K8sObject[], kind: string, name: string): T => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as T;
};

/** Sample values of the Secret's keys, of the shape the services' config schemas require. */
const secrets = newLocalSecrets();
const SECRET_SAMPLES: Record<string, string> = {
  MONGO_URL: 'mongodb://msync:password@mongo-0.mongo:27017/?replicaSet=rs0',
  SMTP_URL: 'smtps://msync:password@smtp.example.com:465',
  ENCRYPTION_KEYS: secrets.encryptionKeys,
  ADMIN_BOOTSTRAP_TOKEN: secrets.adminToken,
};
/** The topics each autoscaled service consumes: its replicas beyond their partitions idle. */
const CONSUMES: Record<string, readonly TopicKey[]> = {
  'mirakl-poller': ['pollRequested'],
  'shipbob-poller': ['pollRequested'],
  'sync-applier': FACT_TOPICS,
};

describe(`Kubernetes manifests against the Kubernetes ${kubernetesVersion()} API schemas`, () => {
  it.each(['base', ...OVERLAYS] as const)('%s renders, and every object is valid', (dir) => {
    expect(rendered[dir].length).toBeGreaterThan(20);
    expect(problems(rendered[dir])).toEqual([]);
  });

  it.each([
    [
      'a misspelled field',
      'base/scheduler.yaml',
      'readinessProbe:',
      'readinesProbe:',
      'readinesProbe',
    ],
    ['a wrong type', 'base/scheduler.yaml', 'replicas: 1', 'replicas: one', '/spec/replicas'],
    [
      'a misspelled field in an overlay patch',
      'overlays/production/kustomization.yaml',
      'whenUnsatisfiable',
      'whenUnsatisfied',
      'whenUnsatisfied',
    ],
    [
      'an API version the cluster does not serve',
      'base/autoscaling.yaml',
      'autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: mirakl-poller',
      'autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: mirakl-poller',
      'no schema for autoscaling/v2beta2',
    ],
  ])('fails on %s', (_what, file, from, to, named) => {
    const objects = renderEdited(file, from, to, 'overlays/production');
    expect(problems(objects).join('\n')).toContain(named);
  });

  it.each(OVERLAYS)('%s holds no Secret and references only msync-secrets by key', (dir) => {
    const objects = rendered[dir];
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const names: string[] = [];
    JSON.stringify(objects, (key, value: unknown) => {
      if (key === 'secretKeyRef') names.push((value as { name: string }).name);
      return value;
    });
    expect(new Set(names)).toEqual(new Set(['msync-secrets']));
    const text = JSON.stringify(objects);
    expect(text).not.toContain('"secretRef"');
  });
});

describe.each(OVERLAYS)('%s', (dir) => {
  const objects = rendered[dir];
  const config = of(objects, 'ConfigMap', 'msync-config').data!;

  it.each(SERVICE_NAMES)(
    '%s: probes on the ops port, resources, non-root read-only, grace above the shutdown timeout',
    (name) => {
      const pod = of<Deployment>(objects, 'Deployment', name).spec.template.spec;
      const [container] = pod.containers;
      expect(pod.containers).toHaveLength(1);
      expect(container!.ports.find((p) => p.name === 'ops')?.containerPort).toBe(8080);
      expect(container!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'ops' });
      expect(container!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'ops' });
      expect(Object.keys(container!.resources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(container!.resources.limits['memory']).toBeDefined();
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(container!.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
        Number(config['SHUTDOWN_TIMEOUT_MS']),
      );
      expect(container!.image).toMatch(new RegExp(`^msync/${name}:[\\w.-]+$`));
    },
  );

  it.each(SERVICE_NAMES)(
    '%s: runs with its heap limits, which leave as much again of its memory limit beside the heap',
    (name) => {
      const container = of<Deployment>(objects, 'Deployment', name).spec.template.spec
        .containers[0]!;
      const nodeOptions = container.env?.find((v) => v.name === 'NODE_OPTIONS')?.value;
      expect(nodeOptions).toBe(serviceNodeOptions(name));
      const limit = /^(\d+)Mi$/.exec(container.resources.limits['memory'] ?? '');
      expect(limit).not.toBeNull();
      expect(Number(limit![1])).toBeGreaterThanOrEqual(2 * SERVICE_HEAP[name].oldSpaceMb);
    },
  );

  it.each(SERVICE_NAMES)(
    '%s: starts with every variable its config requires, and only variables it reads',
    async (name) => {
      const container = of<Deployment>(objects, 'Deployment', name).spec.template.spec
        .containers[0]!;
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'msync-config' } }]);
      const env: Record<string, string> = { ...config };
      for (const variable of container.env ?? []) {
        const key = variable.valueFrom?.secretKeyRef?.key;
        env[variable.name] = key !== undefined ? SECRET_SAMPLES[key]! : variable.value!;
      }
      expect(await startProblems(name, env)).toEqual([]);
      // Its own variables (the shared map serves every service, so only its env is checked).
      expect(
        await unreadVariables(
          name,
          (container.env ?? []).map((v) => v.name),
        ),
      ).toEqual([]);
    },
  );

  it('the shared config names only variables some service reads', async () => {
    const known = await variablesOfAnyService(SERVICE_NAMES);
    expect(Object.keys(config).filter((k) => !known.has(k))).toEqual([]);
  });

  it.each(SERVICE_NAMES)(
    '%s: a PodDisruptionBudget and a NetworkPolicy select its pods',
    (name) => {
      const selector = { matchLabels: { 'app.kubernetes.io/name': name } };
      const budget = of(objects, 'PodDisruptionBudget', name);
      expect(budget.spec!['selector']).toEqual(selector);
      const policy = of<NetworkPolicy>(objects, 'NetworkPolicy', name);
      expect(policy.spec.podSelector).toEqual(selector);
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      // Monitoring scrapes the ops port; DNS and Kafka are always allowed out.
      expect(policy.spec.ingress).toContainEqual({
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
        ports: [{ port: 'ops', protocol: 'TCP' }],
      });
      const out = policy.spec.egress.flatMap((r) => r.ports.map((p) => p.port));
      expect(out).toEqual(expect.arrayContaining([53, 9092, 8081, 27017]));
      // HTTPS only for the services that call the vendors, SMTP only for the reporter.
      expect(out.includes(443)).toBe(name !== 'scheduler' && name !== 'reporter');
      expect(out.includes(587)).toBe(name === 'reporter');
    },
  );

  it('autoscales the pollers and the applier, never beyond the partitions they consume', () => {
    const autoscalers = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    if (dir === 'overlays/demo') {
      expect(autoscalers).toEqual([]);
      return;
    }
    expect(autoscalers.map((a) => a.metadata.name).sort()).toEqual(Object.keys(CONSUMES).sort());
    for (const [name, consumed] of Object.entries(CONSUMES)) {
      const spec = of(objects, 'HorizontalPodAutoscaler', name).spec as {
        scaleTargetRef: { name: string };
        maxReplicas: number;
      };
      expect(spec.scaleTargetRef.name).toBe(name);
      const partitions = Math.min(...consumed.map((key) => topics[key].partitions));
      expect(spec.maxReplicas).toBeLessThanOrEqual(partitions);
      // The autoscaler owns the count: a replicas field would fight it on every apply.
      expect(of<Deployment>(objects, 'Deployment', name).spec.replicas).toBeUndefined();
    }
  });

  it('exposes config-api and the webhook receiver through Services, the Ingress and the policies', () => {
    const ports = (name: string) =>
      of<Deployment>(objects, 'Deployment', name).spec.template.spec.containers[0]!.ports;
    const webhooks = ports('shipbob-poller').find((p) => p.name === 'webhooks')!;
    const poller = of<Deployment>(objects, 'Deployment', 'shipbob-poller').spec.template.spec
      .containers[0]!;
    expect(poller.env?.find((v) => v.name === 'WEBHOOK_PORT')?.value).toBe(
      String(webhooks.containerPort),
    );
    expect(ports('config-api').find((p) => p.name === 'http')?.containerPort).toBe(8081);
    expect(of(objects, 'Service', 'config-api').spec!['ports']).toEqual([
      { name: 'http', port: 80, targetPort: 'http' },
    ]);
    expect(of(objects, 'Service', 'shipbob-webhooks').spec!['ports']).toEqual([
      { name: 'webhooks', port: 80, targetPort: 'webhooks' },
    ]);
    const ingress = of(objects, 'Ingress', 'msync').spec as {
      rules: { http: { paths: { path: string; backend: { service: { name: string } } }[] } }[];
    };
    const routes = ingress.rules[0]!.http.paths.map((p) => [p.path, p.backend.service.name]);
    expect(routes).toEqual([
      ['/webhooks/shipbob', 'shipbob-webhooks'],
      ['/', 'config-api'],
    ]);
    const fromIngress = (name: string) =>
      of<NetworkPolicy>(objects, 'NetworkPolicy', name)
        .spec.ingress!.filter((r) =>
          r.from?.some(
            (f) =>
              f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'ingress-nginx',
          ),
        )
        .flatMap((r) => r.ports.map((p) => p.port));
    expect(fromIngress('config-api')).toEqual(['http']);
    expect(fromIngress('shipbob-poller')).toEqual(['webhooks']);
    for (const name of ['scheduler', 'mirakl-poller', 'sync-applier', 'reporter'])
      expect(fromIngress(name)).toEqual([]);
  });

  it("lets config-api reach the reporter's and the applier's ops ports through Services", () => {
    const api = of<Deployment>(objects, 'Deployment', 'config-api').spec.template.spec
      .containers[0]!;
    const selector = (name: string) => [
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } },
    ];
    for (const [name, variable] of [
      ['reporter', 'REPORTER_URL'],
      ['sync-applier', 'APPLIER_URL'],
    ] as const) {
      expect(of(objects, 'Service', name).spec!['ports']).toEqual([
        { name: 'ops', port: 8080, targetPort: 'ops' },
      ]);
      expect(api.env?.find((v) => v.name === variable)?.value).toBe(`http://${name}:8080`);
      expect(of<NetworkPolicy>(objects, 'NetworkPolicy', name).spec.ingress).toContainEqual({
        from: selector('config-api'),
        ports: [{ port: 'ops', protocol: 'TCP' }],
      });
      expect(of<NetworkPolicy>(objects, 'NetworkPolicy', 'config-api').spec.egress).toContainEqual({
        to: selector(name),
        ports: [{ port: 8080, protocol: 'TCP' }],
      });
    }
  });

  it('creates the topics and schemas with a Job of the setup program', () => {
    const job = of(objects, 'Job', 'msync-setup').spec as {
      template: { spec: { containers: Container[] & { command: string[] }[] } };
    };
    const [container] = job.template.spec.containers as unknown as { command: string[] }[];
    expect(container!.command).toEqual(['node', 'tools/infra/dist/system-setup.js', 'topics']);
  });

  it('ships the Grafana dashboard in a ConfigMap labelled for the dashboard sidecar', () => {
    const map = of(objects, 'ConfigMap', 'msync-grafana-dashboard');
    expect(map.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(map.data?.['msync-dashboard.json']).toBe(
      readFileSync(`${root}deploy/grafana/msync-dashboard.json`, 'utf8'),
    );
  });
});

describe('the stream CLI Job template (k8s/jobs/stream-cli.yaml)', () => {
  const [job, ...more] = parseAllDocuments(
    readFileSync(`${root}k8s/jobs/stream-cli.yaml`, 'utf8'),
  ).map((d) => d.toJS() as K8sObject & { metadata: { generateName?: string } });
  const pod = (
    job as unknown as {
      spec: { template: { spec: PodSpec & { containers: (Container & { command: string[] })[] } } };
    }
  ).spec.template.spec;
  const container = pod.containers[0]!;

  it('is one valid Job, in no kustomization: nothing runs it on an apply', () => {
    expect(more).toEqual([]);
    expect(job?.kind).toBe('Job');
    expect(job?.metadata.generateName).toBe('msync-stream-cli-');
    expect(problems([job!])).toEqual([]);
    for (const dir of ['base', ...OVERLAYS] as const)
      withContext(dir, () =>
        expect(
          rendered[dir].filter(
            (o) =>
              o.metadata.labels?.['app.kubernetes.io/name'] === 'msync-stream-cli' &&
              o.kind !== 'NetworkPolicy',
          ),
        ).toEqual([]),
      );
  });

  it("runs the CLI with the services' ConfigMap and msync-secrets keys, non-root and read-only, at the release's tag", () => {
    expect(container.command).toEqual(['node', 'tools/stream/dist/cli.js']);
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'msync-config' } }]);
    const refs = (container.env ?? []).flatMap((v) =>
      v.valueFrom?.secretKeyRef ? [v.valueFrom.secretKeyRef] : [],
    );
    expect(refs).toEqual([
      { name: 'msync-secrets', key: 'MONGO_URL' },
      { name: 'msync-secrets', key: 'ENCRYPTION_KEYS' },
    ]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const release = of(rendered['overlays/production'], 'Job', 'msync-setup').spec as {
      template: { spec: { containers: Container[] } };
    };
    const tag = release.template.spec.containers[0]!.image.split(':')[1];
    expect(container.image).toBe(`msync/stream-cli:${tag}`);
  });

  it.each(OVERLAYS)("%s: the CLI starts with the ConfigMap and the Job's variables", (dir) => {
    const env: Record<string, string> = { ...of(rendered[dir], 'ConfigMap', 'msync-config').data! };
    for (const variable of container.env ?? []) {
      const key = variable.valueFrom?.secretKeyRef?.key;
      env[variable.name] = key !== undefined ? SECRET_SAMPLES[key]! : variable.value!;
    }
    const problems: string[] = [];
    try {
      loadConfig(streamConfigSchema, env);
    } catch (error) {
      problems.push(...((error as { problems?: string[] }).problems ?? [String(error)]));
    }
    expect(problems).toEqual([]);
  });

  it.each(OVERLAYS)(
    '%s: a NetworkPolicy lets its pods out to what the CLI calls, and nothing in',
    (dir) => {
      const policy = of<NetworkPolicy>(rendered[dir], 'NetworkPolicy', 'msync-stream-cli');
      expect(policy.spec.podSelector).toEqual({
        matchLabels: { 'app.kubernetes.io/name': 'msync-stream-cli' },
      });
      expect(policy.spec.ingress).toEqual([]);
      const out = policy.spec.egress.flatMap((r) => r.ports.map((p) => p.port));
      expect(out).toEqual(expect.arrayContaining([53, 9092, 8081, 27017, 443]));
    },
  );
});

it('the image runs the program named at build time, as a non-root user, with exec for SIGTERM', () => {
  const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
  expect(dockerfile).toContain('ARG SERVICE');
  expect(dockerfile).toContain('ARG ENTRY=services/${SERVICE}/dist/main.js');
  expect(dockerfile).toContain('USER node');
  expect(dockerfile).toMatch(/CMD \["sh", "-c", "exec node \$\{ENTRY\}"\]/);
});

it('the image sets the malloc settings every other way of running a service uses (ADR 0133)', () => {
  const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
  const set = Object.fromEntries(
    dockerfile
      .split('\n')
      .filter((line) => line.startsWith('ENV '))
      .flatMap((line) => line.slice(4).trim().split(/\s+/))
      .map((pair) => pair.split('=') as [string, string]),
  );
  expect(Object.keys(SERVICE_MALLOC_ENV).length).toBeGreaterThan(0);
  for (const [name, value] of Object.entries(SERVICE_MALLOC_ENV)) expect(set[name]).toBe(value);
});
