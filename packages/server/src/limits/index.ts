export { LimitsSchema, type LimitEvent, type LimitName, type LimitsOptions, type ResolvedLimits } from './limit-options.js';
export { ConnectionQuota, Limiter, type LimitScope } from './limiter.js';
export { limitLauncher } from './limited-launcher.js';
export { MemoryGauges, type ConcurrencyGauges } from './concurrency-gauges.js';
export { RedisGauges } from './redis-gauges.js';
