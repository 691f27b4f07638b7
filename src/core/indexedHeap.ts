/**
 * An indexed 4-ary max-heap of integer items (account slots) by a float key:
 * the liquidation ladder's one heap, deleveraging's per-class heaps and the
 * multi-asset screen's boxes (src/portfolio/screen.ts).
 *
 * Order: larger key first; equal keys, lower item first. The order is a total
 * order on (key, item), so the top and the order of pops depend only on what
 * is filed, not on the heap's history: a bar that is rolled back and replayed
 * pops the same items in the same order.
 *
 * 4-ary: half the depth of a binary heap, and a node's four children share a
 * cache line or two, which matters once a million accounts leave the cache.
 *
 * Storage is three typed arrays the owner hands in: `items` and `keys` by
 * slot, `pos` by item (the item's slot, −1 when it is not filed). Several
 * heaps can share one `pos` when each item is filed in at most one of them,
 * and their `items`/`keys` can be views (subarray) of one array.
 *
 * The sift methods return the slot an item ends in, so an owner that counts
 * work can take the levels moved from it ({@link heapLevel}) without a counter
 * in the loop.
 */
export class IndexedHeap4 {
  size = 0;

  constructor(
    readonly items: Int32Array,
    readonly keys: Float64Array,
    readonly pos: Int32Array,
  ) {}

  /** Files item i (not filed) under key; returns its slot. */
  push(i: number, key: number): number {
    const p = this.size++;
    this.items[p] = i;
    this.keys[p] = key;
    this.pos[i] = p;
    return this.siftUp(p);
  }

  /** Takes out the item at slot p; returns the slot the moved last item ends in (−1 when p was the last slot). */
  removeAt(p: number): number {
    const items = this.items;
    this.pos[items[p]] = -1;
    const last = --this.size;
    if (p === last) return -1;
    items[p] = items[last];
    this.keys[p] = this.keys[last];
    this.pos[items[p]] = p;
    const q = this.siftUp(p);
    return q === p ? this.siftDown(p) : q;
  }

  /** Re-keys filed item i; returns its new slot. */
  setKey(i: number, key: number): number {
    const p = this.pos[i];
    const old = this.keys[p];
    this.keys[p] = key;
    if (key > old) return this.siftUp(p);
    if (key < old) return this.siftDown(p);
    return p;
  }

  /** Orders slots [0, size) after they were written directly (items, keys, pos), in O(size). */
  heapify(): void {
    for (let p = (this.size - 2) >> 2; p >= 0; p--) this.siftDown(p);
  }

  /** Slot p ranks above slot q. */
  better(p: number, q: number): boolean {
    const keys = this.keys;
    return keys[p] > keys[q] || (keys[p] === keys[q] && this.items[p] < this.items[q]);
  }

  siftUp(p: number): number {
    const items = this.items;
    const keys = this.keys;
    const pos = this.pos;
    const item = items[p];
    const k = keys[p];
    while (p > 0) {
      const q = (p - 1) >> 2;
      const kq = keys[q];
      if (k > kq || (k === kq && item < items[q])) {
        items[p] = items[q];
        keys[p] = kq;
        pos[items[p]] = p;
        p = q;
      } else break;
    }
    items[p] = item;
    keys[p] = k;
    pos[item] = p;
    return p;
  }

  siftDown(p: number): number {
    const items = this.items;
    const keys = this.keys;
    const pos = this.pos;
    const n = this.size;
    const item = items[p];
    const k = keys[p];
    for (;;) {
      const first = 4 * p + 1;
      if (first >= n) break;
      const end = first + 4 < n ? first + 4 : n;
      let c = first;
      let kc = keys[first];
      for (let r = first + 1; r < end; r++) {
        const kr = keys[r];
        if (kr > kc || (kr === kc && items[r] < items[c])) {
          c = r;
          kc = kr;
        }
      }
      if (kc > k || (kc === k && items[c] < item)) {
        items[p] = items[c];
        keys[p] = kc;
        pos[items[p]] = p;
        p = c;
      } else break;
    }
    items[p] = item;
    keys[p] = k;
    pos[item] = p;
    return p;
  }
}

/** Depth of slot p in a 4-ary heap (0 at the root): level L holds slots [(4^L − 1)/3, (4^(L+1) − 1)/3). */
export function heapLevel(p: number): number {
  return (31 - Math.clz32(3 * p + 1)) >> 1;
}
