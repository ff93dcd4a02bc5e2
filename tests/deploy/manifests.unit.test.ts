import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { SERVICE_NAMES } from '../../tools/infra/src/services.js';

const base = fileURLToPath(new URL('../../k8s/base/', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}
interface Deployment {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: Container[] } } };
}

const documents = readdirSync(base)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(`${base}${f}`, 'utf8')).map((d) => d.toJS() as { kind: string }),
  );
const deployments = documents.filter((d): d is Deployment => d.kind === 'Deployment');
const config = documents.find((d) => d.kind === 'ConfigMap') as unknown as {
  data: Record<string, string>;
};

describe('Kubernetes manifests', () => {
  it('deploy every service exactly once, and every file is listed in the kustomization', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...SERVICE_NAMES].sort());
    const kustomization = readFileSync(`${base}kustomization.yaml`, 'utf8');
    for (const f of readdirSync(base).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
    ))
      expect(kustomization).toContain(`- ${f}`);
  });

  it.each(SERVICE_NAMES)(
    '%s: probes hit the ops endpoint, shutdown fits in the grace period, config comes from the shared map',
    (name) => {
      const deployment = deployments.find((d) => d.metadata.name === name)!;
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      const opsPort = container!.ports.find((p) => p.name === 'ops')!;
      expect(opsPort.containerPort).toBe(8080);
      expect(container!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'ops' });
      expect(container!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'ops' });
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
        Number(config.data['SHUTDOWN_TIMEOUT_MS']),
      );
      expect(container!.envFrom.map((e) => e.configMapRef?.name ?? e.secretRef?.name)).toEqual([
        'msync-config',
        'msync-secrets',
      ]);
      expect(container!.resources.limits['memory']).toBeDefined();
      expect(container!.image).toBe(`msync/${name}:latest`);
    },
  );

  it('exposes the config-api HTTP port through a Service', () => {
    const service = documents.find((d) => d.kind === 'Service') as unknown as {
      spec: { ports: { targetPort: string }[] };
    };
    const deployment = deployments.find((d) => d.metadata.name === 'config-api')!;
    const container = deployment.spec.template.spec.containers[0]!;
    expect(service.spec.ports[0]!.targetPort).toBe('http');
    expect(container.ports.find((p) => p.name === 'http')?.containerPort).toBe(8081);
  });

  it('the shared config names only variables the services read', () => {
    const known = [
      'KAFKA_BROKERS',
      'SCHEMA_REGISTRY_URL',
      'TOPIC_NAMESPACE',
      'MONGO_DB',
      'LOG_LEVEL',
      'SHUTDOWN_TIMEOUT_MS',
    ];
    expect(Object.keys(config.data).sort()).toEqual(known.sort());
    const sources = SERVICE_NAMES.map((s) =>
      readFileSync(`${root}services/${s}/src/config.ts`, 'utf8'),
    ).join('\n');
    const libs = ['libs/events/src/backbone.ts', 'libs/platform/src/config.ts']
      .map((f) => readFileSync(`${root}${f}`, 'utf8'))
      .join('\n');
    for (const variable of known) expect(`${sources}\n${libs}`).toContain(variable);
  });

  it('the image runs the service named at build time, as a non-root user, with exec for SIGTERM', () => {
    const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
    expect(dockerfile).toContain('ARG SERVICE');
    expect(dockerfile).toContain('USER node');
    expect(dockerfile).toMatch(/exec node services\/\$\{SERVICE\}\/dist\/main\.js/);
  });
});
