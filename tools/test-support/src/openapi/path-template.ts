/** An OpenAPI path template such as `/order/{orderId}:cancel`, ready to match concrete paths. */
export interface PathTemplate {
  readonly template: string;
  /** Parameter names, in order of appearance. */
  readonly names: readonly string[];
  /** The parameters' (percent-decoded) values when `path` fits the template. */
  match(path: string): Record<string, string> | undefined;
}

/** A template's match among several: the template, what it carries, and the values. */
export interface PathMatch<T> {
  template: string;
  value: T;
  params: Record<string, string>;
}

const PARAMETER = /\{([^}]+)\}/g;

/**
 * Compiles a path template. A parameter stands for one or more characters other than `/`;
 * everything else is literal (`:cancel`, `+`, `.`), so `/order/{id}:cancel` reads `id` = `7`
 * from `/order/7:cancel`.
 */
export function compilePathTemplate(template: string): PathTemplate {
  const names = [...template.matchAll(PARAMETER)].map((m) => m[1]!);
  const source = template
    .split(/\{[^}]+\}/)
    .map(escapeRegExp)
    .join('([^/]+)');
  const pattern = new RegExp(`^${source}$`);
  return {
    template,
    names,
    match(path) {
      const found = pattern.exec(path);
      if (!found) return undefined;
      return Object.fromEntries(names.map((name, i) => [name, decodeLeniently(found[i + 1]!)]));
    },
  };
}

/**
 * Matches concrete paths against many templates. Where several fit, the most specific wins,
 * as OpenAPI asks (a literal segment before a parameter): fewest parameters first, then most
 * literal characters, so `/reasons/incident_open` beats `/reasons/{type}` and
 * `/shipment/{id}:getLineItems` beats `/shipment/{id}`.
 */
export class PathTemplateMatcher<T> {
  private readonly entries: { compiled: PathTemplate; value: T; literal: number }[];

  constructor(entries: Iterable<{ template: string; value: T }>) {
    this.entries = [...entries]
      .map(({ template, value }) => ({
        compiled: compilePathTemplate(template),
        value,
        literal: template.replace(PARAMETER, '').length,
      }))
      .sort(
        (a, b) =>
          a.compiled.names.length - b.compiled.names.length ||
          b.literal - a.literal ||
          a.compiled.template.localeCompare(b.compiled.template),
      );
  }

  /** The most specific template `path` fits, among those whose value `accept` takes. */
  match(path: string, accept: (value: T) => boolean = () => true): PathMatch<T> | undefined {
    for (const { compiled, value } of this.entries) {
      if (!accept(value)) continue;
      const params = compiled.match(path);
      if (params) return { template: compiled.template, value, params };
    }
    return undefined;
  }
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A malformed escape (`%E0%A4%A`) stays as sent rather than failing the whole match. */
function decodeLeniently(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
