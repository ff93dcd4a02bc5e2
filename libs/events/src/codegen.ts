import { eventSchemaNames, loadEventSchema } from './schemas.js';

type Node = unknown;

/** Renders the TypeScript declarations of every event schema (used by `npm run gen`). */
export function renderTypes(): string {
  const declarations = new Map<string, string>();
  const names = eventSchemaNames();

  const typeOf = (node: Node): string => {
    if (typeof node === 'string') {
      switch (node) {
        case 'null':
          return 'null';
        case 'boolean':
          return 'boolean';
        case 'int':
        case 'long':
        case 'float':
        case 'double':
          return 'number';
        case 'string':
          return 'string';
        case 'bytes':
          return 'Buffer';
        default:
          return node.split('.').pop()!;
      }
    }
    if (Array.isArray(node)) return node.map(typeOf).join(' | ');
    const obj = node as Record<string, unknown>;
    switch (obj['type']) {
      case 'record':
        return declareRecord(obj);
      case 'enum': {
        const name = obj['name'] as string;
        const symbols = (obj['symbols'] as string[]).map((s) => `'${s}'`).join(' | ');
        declarations.set(name, `export type ${name} = ${symbols};\n`);
        return name;
      }
      case 'array':
        return `Array<${typeOf(obj['items'])}>`;
      case 'map':
        return `Record<string, ${typeOf(obj['values'])}>`;
      default:
        return typeOf(obj['type']);
    }
  };

  const declareRecord = (record: Record<string, unknown>): string => {
    const name = record['name'] as string;
    if (declarations.has(name)) return name;
    declarations.set(name, '');
    const fields = (record['fields'] as Record<string, unknown>[]).map((field) => {
      const doc = typeof field['doc'] === 'string' ? `  /** ${field['doc']} */\n` : '';
      const logical = logicalNote(field['type']);
      return `${doc}  ${field['name'] as string}: ${typeOf(field['type'])};${logical}`;
    });
    const doc = typeof record['doc'] === 'string' ? `/** ${record['doc']} */\n` : '';
    declarations.set(name, `${doc}export interface ${name} {\n${fields.join('\n')}\n}\n`);
    return name;
  };

  for (const name of names) typeOf(loadEventSchema(name));

  const header = '// Generated from libs/events/schemas/*.avsc by `npm run gen`. Do not edit.\n\n';
  const registry = `/** Every event record, by schema name. */\nexport interface EventSchemas {\n${names
    .map((n) => `  ${n}: ${n};`)
    .join('\n')}\n}\n`;
  return header + [...declarations.values()].join('\n') + '\n' + registry;
}

function logicalNote(type: Node): string {
  const branches = Array.isArray(type) ? (type as Node[]) : [type];
  const isTimestamp = branches.some(
    (b) =>
      typeof b === 'object' &&
      b !== null &&
      (b as Record<string, unknown>)['logicalType'] === 'timestamp-millis',
  );
  return isTimestamp ? ' // epoch milliseconds' : '';
}
