import { z } from 'zod';

/**
 * `over` with every field it leaves out that has a default in `schema` set
 * to that default: for tests that build a component without a scenario, so
 * no default is restated in a test (the defaults live in the schema only).
 * A discriminated union takes the member named by `over`'s discriminator.
 * Shallow, and `over` is not validated: a nested block given in `over` is
 * taken as given, and a test can hand a component a bad value to watch it
 * refuse.
 */
export function withDefaults<S extends z.ZodType>(schema: S, over: Partial<z.output<S>>): z.output<S> {
  const given = over as Record<string, unknown>;
  const obj = objectOf(schema, given);
  const out: Record<string, unknown> = { ...given };
  for (const [key, field] of Object.entries(obj.shape)) {
    if (key in out) continue;
    if (field instanceof z.ZodDefault) out[key] = field.parse(undefined);
    else if (field instanceof z.ZodPrefault) out[key] = field.parse(undefined);
  }
  return out as z.output<S>;
}

function objectOf(schema: z.ZodType, given: Record<string, unknown>): z.ZodObject {
  if (schema instanceof z.ZodObject) return schema;
  if (schema instanceof z.ZodDiscriminatedUnion) {
    const key = schema.def.discriminator;
    for (const option of schema.options as z.ZodType[]) {
      if (!(option instanceof z.ZodObject)) continue;
      const tag = option.shape[key];
      if (tag instanceof z.ZodLiteral && tag.values.has(given[key] as z.util.Literal)) return option;
    }
    throw new Error(`withDefaults: no member with ${key} = ${String(given[key])}`);
  }
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
    return objectOf(schema.def.innerType as z.ZodType, given);
  }
  throw new Error('withDefaults: the schema is not an object or a discriminated union of objects');
}
