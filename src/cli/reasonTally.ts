/** One reason and how often it came, represented by its first occurrence. */
export interface ReasonGroup {
  readonly count: number;
  /** Where it first came (a trial index, a bar). */
  readonly first: number;
  readonly text: string;
  readonly label: string;
  /** Some occurrence's text differs from the first's (same key, other details). */
  readonly varied: boolean;
}

/**
 * Failures grouped by key (the reason itself, or its shape), most frequent
 * first and then by first occurrence: a misconfigured run fails a thousand
 * times the same way, and a thousand equal lines would hide it.
 */
export function tallyReasons(entries: Iterable<{ key: string; text: string; at: number; label?: string }>): ReasonGroup[] {
  const groups = new Map<string, { count: number; first: number; text: string; label: string; varied: boolean }>();
  for (const e of entries) {
    const g = groups.get(e.key);
    if (g === undefined) groups.set(e.key, { count: 1, first: e.at, text: e.text, label: e.label ?? '', varied: false });
    else {
      g.count++;
      if (e.text !== g.text) g.varied = true;
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.first - b.first);
}
