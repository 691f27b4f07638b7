import type { z } from 'zod';

/**
 * The schema's defaults with `over` laid on top: for tests that build a
 * component without a scenario, so no default is restated in a test (the
 * defaults live in the schema only). `input` is what the schema needs to
 * parse at all (its required fields). Shallow: a nested block in `over` is
 * taken as given; values in `over` are not validated, so a test can hand a
 * component a bad value and watch it refuse.
 */
export function withDefaults<S extends z.ZodType>(schema: S, over: Partial<z.output<S>> = {}, input: unknown = {}): z.output<S> {
  return { ...(schema.parse(input) as object), ...over } as z.output<S>;
}
