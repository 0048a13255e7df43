export * from './recorder.js';
export { createEmfMetrics, METRICS_NAMESPACE } from './emf.js';
