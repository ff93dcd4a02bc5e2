type Json = Record<string, unknown>;

/** `application/json; charset=utf-8` → `application/json`. */
export function essence(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

export function isJsonMedia(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

/**
 * The declared media type a recorded content type falls under (exact, then `type/*`, then
 * `*\/*`). When none was recorded, the JSON one is assumed, else the only one declared.
 */
export function declaredMedia(
  content: Json,
  recorded: string | undefined,
): { type: string; media: Json } | undefined {
  const declared = Object.keys(content);
  const type = essence(recorded);
  const key =
    type === undefined
      ? (declared.find(isJsonMedia) ?? (declared.length === 1 ? declared[0] : undefined))
      : [type, `${type.split('/')[0]}/*`, '*/*'].find((candidate) =>
          declared.some((d) => d.toLowerCase() === candidate),
        );
  if (key === undefined) return undefined;
  const found = declared.find((d) => d.toLowerCase() === key.toLowerCase())!;
  return { type: type ?? found.toLowerCase(), media: (content[found] ?? {}) as Json };
}
