type Json = Record<string, unknown>;

/** The type a (resolved) schema names, `null` aside: `['integer', 'null']` → `integer`. */
export function primaryType(schema: Json): string | undefined {
  const type = schema['type'];
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type as string[]).find((t) => t !== 'null');
  return undefined;
}

/** A parameter's textual value(s) as the typed value its schema describes. */
export function parameterValue(
  param: Json,
  schema: Json,
  itemsSchema: Json | undefined,
  raw: readonly string[],
): unknown[] {
  if (primaryType(schema) === 'array') {
    // `explode: false` (and `simple`, the path and header default) joins items with commas.
    const style = param['style'] ?? (param['in'] === 'query' ? 'form' : 'simple');
    const explode = param['explode'] ?? style === 'form';
    const items = explode === true ? [...raw] : raw.flatMap((v) => v.split(','));
    return [items.map((item) => typedText(itemsSchema ?? {}, item))];
  }
  return raw.map((value) => typedText(schema, value));
}

/** A text value (a query parameter, a form field) as the scalar its schema describes. */
export function typedText(schema: Json, raw: string): unknown {
  switch (primaryType(schema)) {
    case 'integer':
    case 'number':
      return raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}
