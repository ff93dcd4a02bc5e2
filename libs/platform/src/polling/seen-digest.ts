/**
 * What a seen entry's marks hash to: two 32-bit hashes of different functions over the marks,
 * sorted (a seen entry's marks are a set). A change of an item whose new marks hash as its old
 * ones did goes unseen: once in 2^64 changes.
 */
export function marksHash(marks: readonly string[]): readonly [number, number] {
  const text = marks.length > 1 ? [...marks].sort().join('\u0000') : (marks[0] ?? '');
  return [fnv1a(text), mixed(text)];
}

/** FNV-1a over the string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A multiply-rotate hash with MurmurHash3's constants and final mix: unlike FNV in every step. */
function mixed(text: string): number {
  let hash = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    hash ^= k;
    hash = Math.imul((hash << 13) | (hash >>> 19), 5) + 0xe6546b64;
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** A seen entry as the digest takes it: its marks and when it was remembered (epoch ms). */
export interface DigestEntry {
  marks: readonly string[];
  seenAt: number;
}

/** One entry of a digest: its id's hash, its marks' two hashes, its instant in seconds. */
type Row = [id: number, a: number, b: number, seenAt: number];

/**
 * A compact picture of one store's catalog seen-set (ADR 0178): per entry a 32-bit hash of its
 * id, the two hashes of its marks and when it was remembered (in seconds), 16 bytes where the
 * entry itself takes about 250 in a read map; and the entries written since, by id, until they
 * are many enough to be folded in. It answers one question without the map: does this item's
 * entry carry exactly these marks, remembered at or after a given instant? An id whose hash
 * another id shares is answered by either's entry only when the marks match too: ids differ in
 * their items' marks (a fingerprint names its SKU).
 */
export class SeenDigest {
  private ids = new Uint32Array(0);
  /** Two per entry, in the order of `ids`. */
  private marks = new Uint32Array(0);
  /** Seconds since the epoch, rounded down, in the order of `ids`. */
  private seenAt = new Uint32Array(0);
  /** Entries written after those in the arrays: their marks and instant, or null (removed). */
  private readonly since = new Map<
    string,
    { marks: readonly [number, number]; seenAt: number } | null
  >();

  constructor(
    entries: Iterable<readonly [string, DigestEntry]>,
    /** The map's chunks it was made of, or has taken in since (`ChunkedMap.appendedSince`). */
    public chunks: readonly string[],
  ) {
    const rows: Row[] = [];
    for (const [id, entry] of entries) {
      const [a, b] = marksHash(entry.marks);
      rows.push([fnv1a(id), a, b, Math.floor(entry.seenAt / 1000)]);
    }
    this.fill(rows);
  }

  /** Entries it holds, those written since included. */
  get size(): number {
    return this.ids.length + this.since.size;
  }

  /**
   * Takes in entries written after the digest was made, in write order: `null` removes the
   * entry, and so does one whose marks are not known whole (`unknown`: a merge adds marks to
   * whatever the entry held). Once they are more than a quarter of the others (and at least
   * 256), they are folded into the arrays.
   */
  add(entries: Iterable<readonly [string, (DigestEntry & { unknown?: boolean }) | null]>): void {
    for (const [id, entry] of entries)
      this.since.set(
        id,
        entry && !entry.unknown ? { marks: marksHash(entry.marks), seenAt: entry.seenAt } : null,
      );
    if (this.since.size > Math.max(256, this.ids.length / 4)) this.fold();
  }

  /** Whether the item's entry carries exactly marks of this hash, remembered at or after `freshSince`. */
  holds(id: string, marks: readonly [number, number], freshSince: number): boolean {
    const later = this.since.get(id);
    if (later !== undefined) {
      return (
        later !== null &&
        later.marks[0] === marks[0] &&
        later.marks[1] === marks[1] &&
        later.seenAt >= freshSince
      );
    }
    const hash = fnv1a(id);
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.ids[middle]! < hash) low = middle + 1;
      else high = middle;
    }
    const fresh = Math.ceil(freshSince / 1000);
    for (let i = low; i < this.ids.length && this.ids[i] === hash; i++)
      if (
        this.marks[2 * i] === marks[0] &&
        this.marks[2 * i + 1] === marks[1] &&
        this.seenAt[i]! >= fresh
      )
        return true;
    return false;
  }

  /**
   * The entries written since, folded into the arrays: each replaces every row of its id's hash
   * (a row of another id of that hash goes too, which only makes that id not told unchanged).
   */
  private fold(): void {
    const replaced = new Set<number>();
    const rows: Row[] = [];
    for (const [id, entry] of this.since) {
      const hash = fnv1a(id);
      replaced.add(hash);
      if (entry) rows.push([hash, entry.marks[0], entry.marks[1], Math.floor(entry.seenAt / 1000)]);
    }
    for (let i = 0; i < this.ids.length; i++)
      if (!replaced.has(this.ids[i]!))
        rows.push([this.ids[i]!, this.marks[2 * i]!, this.marks[2 * i + 1]!, this.seenAt[i]!]);
    this.since.clear();
    this.fill(rows);
  }

  private fill(rows: Row[]): void {
    rows.sort((x, y) => x[0] - y[0]);
    this.ids = new Uint32Array(rows.length);
    this.marks = new Uint32Array(rows.length * 2);
    this.seenAt = new Uint32Array(rows.length);
    rows.forEach(([id, a, b, at], i) => {
      this.ids[i] = id;
      this.marks[2 * i] = a;
      this.marks[2 * i + 1] = b;
      this.seenAt[i] = at;
    });
  }
}

/**
 * The digests a process keeps, within a budget of entries (least recently used dropped first).
 */
export class SeenDigests {
  private readonly kept = new Map<string, SeenDigest>();
  private total = 0;

  constructor(private readonly maxEntries: number) {}

  /** Whether it keeps any digest at all (a budget of 0 keeps none: none need be made). */
  get enabled(): boolean {
    return this.maxEntries > 0;
  }

  get(owner: string): SeenDigest | undefined {
    const digest = this.kept.get(owner);
    if (digest) {
      // Most recently used last.
      this.kept.delete(owner);
      this.kept.set(owner, digest);
    }
    return digest;
  }

  put(owner: string, digest: SeenDigest): void {
    this.drop(owner);
    if (digest.size > this.maxEntries) return;
    this.kept.set(owner, digest);
    this.total += digest.size;
    this.trim(owner);
  }

  /**
   * The owner's digest takes in entries written since (`add`) and stands for `chunks` now; its
   * budget is counted again.
   */
  extend(
    owner: string,
    digest: SeenDigest,
    entries: Parameters<SeenDigest['add']>[0],
    chunks: readonly string[],
  ): void {
    const before = digest.size;
    digest.add(entries);
    digest.chunks = chunks;
    this.grew(owner, before);
  }

  /** After a digest took entries in (`add`): its budget counted again, others dropped if need be. */
  grew(owner: string, before: number): void {
    const digest = this.kept.get(owner);
    if (!digest) return;
    this.total += digest.size - before;
    if (digest.size > this.maxEntries) this.drop(owner);
    else this.trim(owner);
  }

  /** Drops the least recently used digests but `keep` until the budget holds. */
  private trim(keep: string): void {
    for (const [other, was] of this.kept) {
      if (this.total <= this.maxEntries) return;
      if (other === keep) continue;
      this.kept.delete(other);
      this.total -= was.size;
    }
  }

  drop(owner: string): void {
    const was = this.kept.get(owner);
    if (!was) return;
    this.kept.delete(owner);
    this.total -= was.size;
  }

  /** Entries kept now. */
  entries(): number {
    return this.total;
  }
}
