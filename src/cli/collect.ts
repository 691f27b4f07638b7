/** commander's accumulator for a repeatable option (--set, --vary, --design …): each use appended, in the order given. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
