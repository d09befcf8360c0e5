/**
 * The Lights auction: candidates rank by bid × quality, and each winner pays the generalised second price.
 *
 * Quality is a smoothed click-through rate, (clicks + 2) / (impressions + 100): a new campaign starts at the prior
 * CTR of 2 % (as if it had 2 clicks in 100 impressions), and its own history outweighs the prior as it grows.
 * Bids are made comparable as expected fen per thousand impressions (eCPM): a CPC bid is worth bid × CTR × 1000,
 * a CPM bid is worth bid × CTR / 2 % (a CPM ad at the prior CTR ranks at its bid; one clicked more ranks higher).
 * So score = bid × weight × (clicks + 2) / (impressions + 100) with weight 1000 (CPC) or 50 (CPM), computed as exact
 * fractions in BigInt: no floating point decides a price.
 *
 * Price: the lowest whole fen that scores at least the next candidate's score (the one ranked right below,
 * served or not), plus 1 fen, never above the bid; the last candidate pays 1 fen (nothing to beat, plus 1 fen).
 */
export interface Bidder {
  id: string;
  bidding: 'CPC' | 'CPM';
  bidFen: number;
  impressions: number;
  clicks: number;
}

export interface Ranked<B extends Bidder> {
  bidder: B;
  /** Fen per click (CPC) or per thousand impressions (CPM). */
  priceFen: number;
}

/** Prior of the smoothed CTR: 2 clicks in 100 impressions. */
export const PRIOR_CLICKS = 2;
export const PRIOR_IMPRESSIONS = 100;

const weight = (b: Bidder) => BigInt(b.bidding === 'CPC' ? 1000 : 50);

/** score = num / den, as exact integers. */
function score(b: Bidder): { num: bigint; den: bigint } {
  return {
    num: BigInt(b.bidFen) * weight(b) * BigInt(b.clicks + PRIOR_CLICKS),
    den: BigInt(b.impressions + PRIOR_IMPRESSIONS),
  };
}

/** The bidder's score per fen of bid, as a fraction: score = bid × perFen. */
function perFen(b: Bidder): { num: bigint; den: bigint } {
  return { num: weight(b) * BigInt(b.clicks + PRIOR_CLICKS), den: BigInt(b.impressions + PRIOR_IMPRESSIONS) };
}

/** Compares two scores exactly (descending), then the id (ascending) so equal scores rank the same every time. */
function byScore(a: Bidder, b: Bidder): number {
  const sa = score(a);
  const sb = score(b);
  const left = sa.num * sb.den;
  const right = sb.num * sa.den;
  if (left !== right) return left > right ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Ranks every candidate and prices the first `slots` of them. */
export function runAuction<B extends Bidder>(candidates: readonly B[], slots: number): Ranked<B>[] {
  const ranked = [...candidates].sort(byScore);
  return ranked.slice(0, slots).map((bidder, i) => {
    const next = ranked[i + 1];
    if (!next) return { bidder, priceFen: Math.min(bidder.bidFen, 1) };
    // ceil(score(next) / perFen(bidder)): the lowest bid that ties the next candidate.
    const s = score(next);
    const p = perFen(bidder);
    const num = s.num * p.den;
    const den = s.den * p.num;
    const tie = (num + den - 1n) / den;
    return { bidder, priceFen: Math.min(bidder.bidFen, Number(tie) + 1) };
  });
}
