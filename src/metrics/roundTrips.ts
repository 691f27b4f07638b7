/**
 * Profit and loss of each round trip in a sequence of fills, for the hit
 * rate of performanceStats. A round trip starts when the position leaves
 * zero and ends when it returns to zero; a fill that crosses zero is split
 * there (the part that flattens closes the trip at the fill's price, the
 * rest opens the next one at the same price). A trip's P&L is its cash
 * flow, Σ −size · price, which is its realised profit once the position is
 * flat again; fill prices already carry spread and impact, so the P&L is net
 * of them. A trip still open after the last fill is closed at `finalMark`
 * (the last mid or close), so a strategy that never exits still has a result.
 */
export function roundTripPnl(sizes: ArrayLike<number>, prices: ArrayLike<number>, finalMark: number): Float64Array {
  if (sizes.length !== prices.length) throw new RangeError(`${sizes.length} fill sizes but ${prices.length} prices`);
  const out: number[] = [];
  let pos = 0;
  let cash = 0;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i];
    const price = prices[i];
    if (size === 0) continue;
    const after = pos + size;
    if (pos !== 0 && Math.sign(after) !== Math.sign(pos)) {
      // The part −pos flattens the trip; the remainder (after) opens the next at the same price.
      cash += pos * price;
      out.push(cash);
      cash = -after * price;
    } else {
      cash -= size * price;
    }
    pos = after;
  }
  if (pos !== 0) out.push(cash + pos * finalMark);
  return Float64Array.from(out);
}
