// Copies the schemas of the kinds below and the definitions they reach (see vendor-kubernetes.sh).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const KINDS = [
  'configmap-v1',
  'service-v1',
  'serviceaccount-v1',
  'deployment-apps-v1',
  'job-batch-v1',
  'horizontalpodautoscaler-autoscaling-v2',
  'poddisruptionbudget-policy-v1',
  'ingress-networking-v1',
  'networkpolicy-networking-v1',
];
const [from, to] = process.argv.slice(2) as [string, string];
const read = (file: string) => JSON.parse(readFileSync(`${from}/${file}`, 'utf8')) as unknown;
const definitions = read('_definitions.json') as { $defs: Record<string, unknown> };
const reached = new Set<string>();
const visit = (node: unknown): void => {
  if (Array.isArray(node)) return node.forEach(visit);
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const ref = key === '$ref' && typeof value === 'string' && /#\/\$defs\/(.+)$/.exec(value);
    if (ref && !reached.has(ref[1]!)) {
      reached.add(ref[1]!);
      visit(definitions.$defs[ref[1]!]);
    } else visit(value);
  }
};
mkdirSync(to, { recursive: true });
for (const kind of KINDS) {
  const schema = read(`${kind}.json`);
  visit(schema);
  writeFileSync(`${to}/${kind}.json`, `${JSON.stringify(schema, null, 2)}\n`);
}
const kept = Object.fromEntries([...reached].sort().map((name) => [name, definitions.$defs[name]]));
writeFileSync(
  `${to}/_definitions.json`,
  `${JSON.stringify({ ...definitions, $defs: kept }, null, 2)}\n`,
);
console.log(`${KINDS.length} kinds, ${reached.size} definitions → ${to}`);
