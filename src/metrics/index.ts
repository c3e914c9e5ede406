export { TrentMetrics, type MetricsSources } from './metrics.ts';
export { CostModel, monthRange, type Bill, type CostOptions, type KeyBill, type AccountBill, type Savings } from './cost.ts';
export { AWS_KMS_PRICES, type PriceTable } from './price-table.ts';
export { createLogger, type Logger } from './logger.ts';
