/**
 * The default of a scenario block a dotted override reaches into while the
 * scenario leaves the block out. `--set market.depth.fractionOfHourlyQuoteVolume=0.1`
 * on a scenario without `market.depth` must mean "the default depth, with
 * this fraction"; an empty object in its place lost the block's own default
 * (`{ source: 'volume' }`) and failed on the missing discriminator.
 *
 * The walk follows the schema beside the raw scenario: through objects,
 * the wrappers that keep a value's shape (optional, default, prefault,
 * readonly, the input side of a pipe), and a discriminated union whose raw
 * object already names its branch. Where it cannot tell (no such key, a
 * union without its discriminator), it gives nothing and the caller makes
 * an empty object, as before.
 */
import type { z } from 'zod';
import { isPlainObject } from '../core/plainObject.js';

type AnySchema = z.ZodType;

interface Def {
  readonly type: string;
  readonly innerType?: AnySchema;
  readonly in?: AnySchema;
  readonly shape?: Record<string, AnySchema>;
  readonly options?: readonly AnySchema[];
  readonly discriminator?: string;
  readonly defaultValue?: unknown;
  readonly getter?: () => AnySchema;
}

function defOf(schema: AnySchema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/**
 * The schema of the object that holds keys here, past the wrappers; for a
 * discriminated union, the branch `raw` names. Undefined when there is none.
 */
function objectSchema(schema: AnySchema, raw: unknown): AnySchema | undefined {
  let s: AnySchema | undefined = schema;
  for (let guard = 0; s !== undefined && guard < 32; guard++) {
    const d = defOf(s);
    switch (d.type) {
      case 'object':
        return s;
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'nonoptional':
        s = d.innerType;
        break;
      case 'pipe':
        s = d.in;
        break;
      case 'lazy':
        s = d.getter?.();
        break;
      case 'union': {
        if (d.discriminator === undefined || !isPlainObject(raw)) return undefined;
        const tag = raw[d.discriminator];
        s = d.options?.find((o) => {
          const field = defOf(o).shape?.[d.discriminator!];
          return field !== undefined && literalValues(field).includes(tag);
        });
        break;
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

/** The element schema of the list held here, past the wrappers; undefined when it is not a list. */
function arrayElement(schema: AnySchema): AnySchema | undefined {
  let s: AnySchema | undefined = schema;
  for (let guard = 0; s !== undefined && guard < 32; guard++) {
    const d = defOf(s) as Def & { element?: AnySchema };
    if (d.type === 'array') return d.element;
    if (d.type === 'optional' || d.type === 'nullable' || d.type === 'default' || d.type === 'prefault' || d.type === 'readonly') s = d.innerType;
    else if (d.type === 'pipe') s = d.in;
    else return undefined;
  }
  return undefined;
}

function literalValues(schema: AnySchema): readonly unknown[] {
  const d = defOf(schema) as Def & { values?: readonly unknown[] };
  return d.type === 'literal' && d.values !== undefined ? d.values : [];
}

/** The block's default as raw input: a prefault's value, or a default's when it is a plain object; the outermost one found wins. */
function blockDefault(schema: AnySchema): Record<string, unknown> | undefined {
  let s: AnySchema | undefined = schema;
  for (let guard = 0; s !== undefined && guard < 32; guard++) {
    const d = defOf(s);
    if (d.type === 'prefault' || d.type === 'default') {
      const v = d.defaultValue;
      return isPlainObject(v) ? structuredClone(v) : undefined;
    }
    if (d.type === 'optional' || d.type === 'nullable' || d.type === 'readonly') s = d.innerType;
    else return undefined;
  }
  return undefined;
}

/**
 * A cursor down a raw scenario and its schema, step by step along a dotted
 * path: `defaultFor(key)` is the block default of `key` under the current
 * node, `enter(key, node)` moves to it.
 */
export class BlockDefaults {
  private schema: AnySchema | undefined;

  constructor(root: AnySchema | undefined) {
    this.schema = root;
  }

  /** The default of the block `key` under `parentRaw`, or undefined when it has none the walk can find. */
  defaultFor(parentRaw: unknown, key: string): Record<string, unknown> | undefined {
    const field = this.field(parentRaw, key);
    return field === undefined ? undefined : blockDefault(field);
  }

  /** Moves the cursor to `key` under `parentRaw`. */
  enter(parentRaw: unknown, key: string): void {
    this.schema = this.field(parentRaw, key);
  }

  private field(parentRaw: unknown, key: string): AnySchema | undefined {
    if (this.schema === undefined) return undefined;
    if (Array.isArray(parentRaw)) return arrayElement(this.schema);
    const obj = objectSchema(this.schema, parentRaw);
    const shape = obj === undefined ? undefined : defOf(obj).shape;
    return shape !== undefined && Object.prototype.hasOwnProperty.call(shape, key) ? shape[key] : undefined;
  }
}
