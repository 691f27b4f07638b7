import type { Fill, LiquidityModel } from '../market/liquidity.js';
import type { Agent } from '../sim/agent.js';
import { PARTY, type Ledger } from '../sim/ledger.js';
import type { OrderQueue } from '../sim/orderQueue.js';
import type { TradeLog } from '../sim/tradeLog.js';

/** What the venue needs of an order's owner: the parties it answers for and where to tell it of a fill. */
export type FillOwner = Pick<Agent, 'party' | 'extraParties' | 'onFill'>;

/**
 * The one object the liquidity model writes each execution into and the
 * owner then reads as its `OrderFill`: filling it costs no copy and no
 * allocation per order.
 */
interface FillRecord extends Fill {
  cause: number;
  tag: number;
  party: number;
  bar: number;
  round: number;
}

/**
 * Where a cascade round's orders meet the market (docs/model.md#the-bar-loop,
 * steps 3 and 4): each order, in submission order, executes against
 * the liquidity model; the ledger moves cash and asset between the order's
 * party and the counterparties; the fill goes to the trade log; and the
 * agent that owns the party is told of it. The counterparties take the other
 * side of every fill, so the ledger's columns stay conserved.
 */
export class Venue {
  /** Signed base units executed since `beginBar` (the bar's order flow). */
  flowBase = 0;
  private readonly liquidity: LiquidityModel;
  private readonly ledger: Ledger;
  private readonly trades: TradeLog;
  private readonly ownerByParty: Array<FillOwner | undefined> = [];
  private readonly fill: FillRecord = {
    size: 0, price: Number.NaN, midBefore: Number.NaN, midAfter: Number.NaN, cost: 0, impactCost: 0, cause: 0, tag: 0, party: 0, bar: 0, round: 0,
  };
  private time = 0;

  /** `owners` answer for their `party` and `extraParties`; orders of a party nobody owns execute untold. */
  constructor(liquidity: LiquidityModel, ledger: Ledger, trades: TradeLog, owners: readonly FillOwner[]) {
    this.liquidity = liquidity;
    this.ledger = ledger;
    this.trades = trades;
    for (const a of owners) {
      this.ownerByParty[a.party] = a;
      for (const p of a.extraParties ?? []) this.ownerByParty[p] = a;
    }
  }

  /** Fills from now on belong to bar `bar`, starting at `timeMs` (epoch ms); the bar's flow starts at 0. */
  beginBar(bar: number, timeMs: number): void {
    this.fill.bar = bar;
    this.time = timeMs;
    this.flowBase = 0;
  }

  /** Executes the orders of cascade round `round`, one by one in submission order. */
  execute(orders: OrderQueue, round: number): void {
    // In locals: the loop calls out to owners, after which fields would be read again.
    const { liquidity: liq, ledger, trades, fill, ownerByParty: owners, time } = this;
    const bar = fill.bar;
    const cp = PARTY.counterparties;
    fill.round = round;
    let flow = this.flowBase;
    for (let k = 0; k < orders.length; k++) {
      const size = orders.size[k];
      const party = orders.party[k];
      const cause = orders.cause[k];
      liq.execute(size, fill);
      if (size > 0) ledger.trade(party, cp, fill.size, fill.price);
      else ledger.trade(cp, party, -fill.size, fill.price);
      trades.push(time, bar, round, cause, fill.size, fill.price, fill.midBefore, fill.midAfter, fill.cost);
      flow += fill.size;
      const owner = owners[party];
      if (owner !== undefined) {
        fill.cause = cause;
        fill.tag = orders.tag[k];
        fill.party = party;
        owner.onFill(fill);
      }
    }
    this.flowBase = flow;
  }
}
