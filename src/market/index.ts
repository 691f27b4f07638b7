export * from './liquidity.js';
export * from './config.js';
export { LinearImpactModel } from './linear.js';
export { SqrtImpactModel } from './sqrt.js';
export { OrderBookModel, type BookShape, type BookDynamics } from './book.js';
export { gridShape, literalShape, snapshotShape } from './bookShape.js';
export { parseL2Snapshot, loadL2Snapshot, type L2Snapshot } from './l2Snapshot.js';
export { createLiquidityModel } from './factory.js';
export { depthScale, type DepthWithdrawalParams } from './depthWithdrawal.js';
export {
  calibrateDepth1PctQuote, depth1PctQuoteAtStart, rollingDailyVolumeBase, quoteVolumePerBar, trailingRate,
  type DepthCalibrationParams,
} from './depthCalibration.js';
