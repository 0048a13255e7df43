import { PRIORITIES } from '../contracts/request.js';
import { METRICS_NAMESPACE } from '../metrics/emf.js';
import { GAUGES } from '../observability/gauges.js';
import { OBSERVED_SERVICE } from '../observability/index.js';
import type { Cfn } from './cfn.js';
import { sub } from './cfn.js';
import type { Stage } from './stage.js';

const NS = METRICS_NAMESPACE;
const service = { Name: 'service', Value: OBSERVED_SERVICE };

function metric(id: string, name: string, stat: string, dims: { Name: string; Value: string }[] = [], period = 60): Cfn {
  return { Id: id, ReturnData: false, MetricStat: { Metric: { Namespace: NS, MetricName: name, Dimensions: [service, ...dims] }, Period: period, Stat: stat } };
}

function expression(expr: string, label: string): Cfn {
  return { Id: 'e', Expression: expr, Label: label, ReturnData: true };
}

function alarm(stage: Stage, name: string, description: string, metrics: Cfn[], threshold: number, periods: number, operator = 'GreaterThanThreshold'): Cfn {
  const actions = stage.alarmTopicArn ? [stage.alarmTopicArn] : [];
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${stage.service}-${stage.stage}-${name}`,
      AlarmDescription: description,
      Metrics: metrics,
      Threshold: threshold,
      ComparisonOperator: operator,
      EvaluationPeriods: periods,
      DatapointsToAlarm: periods,
      // No traffic, no data: not an alarm.
      TreatMissingData: 'notBreaching',
      AlarmActions: actions,
      OKActions: actions,
    },
  };
}

/** The alarms of README "Deploy to AWS" (thresholds from stage parameters; SNS topic optional). */
export function alarmResources(stage: Stage): Record<string, Cfn> {
  const t = stage.thresholds;
  const topics = PRIORITIES.map((p) => stage.config.kafka.topics[p]);
  return {
    AlarmDeadLetters: alarm(stage, 'dead-letters', 'Records went to the dead-letter topic', [metric('d', 'dead_lettered', 'Sum'), expression('d', 'dead letters')], 0, 1),
    AlarmFailedRatio: alarm(
      stage,
      'failed-ratio',
      `More than ${t.failedRatioPct} % of answered requests failed (5 min)`,
      [metric('f', 'failed', 'Sum', [], 300), metric('c', 'completed', 'Sum', [], 300), expression('IF(f + c > 0, 100 * f / (f + c), 0)', 'failed %')],
      t.failedRatioPct,
      1,
    ),
    AlarmLag: alarm(
      stage,
      'consumer-lag',
      `A priority topic is more than ${t.lag} records behind for 5 minutes`,
      [...topics.map((topic, i) => metric(`l${i}`, GAUGES.lag, 'Maximum', [{ Name: 'topic', Value: topic }])), expression(`MAX([${topics.map((_, i) => `l${i}`).join(', ')}])`, 'max lag')],
      t.lag,
      5,
    ),
    AlarmUtilizationPinned: alarm(
      stage,
      'fleet-pinned',
      'Every slot of the fleet has been in use for 15 minutes (requests wait in the queue: add capacity)',
      [metric('u', GAUGES.utilization, 'Minimum'), expression('u', 'fleet utilization %')],
      100,
      15,
      'GreaterThanOrEqualToThreshold',
    ),
    AlarmWaitingAge: alarm(
      stage,
      'waiting-age',
      `The head of a priority's queue has waited more than ${t.waitingAgeMs} ms for 3 minutes`,
      [...PRIORITIES.map((p, i) => metric(`w${i}`, GAUGES.waitingAge, 'Maximum', [{ Name: 'priority', Value: p }])), expression('MAX([w0, w1, w2])', 'waiting age')],
      t.waitingAgeMs,
      3,
    ),
  };
}

type Widget = { title: string; metrics: unknown[][]; stat?: string };

const search = (schema: string, name: string, stat: string, label: string): unknown[] => [{ expression: `SEARCH('{${NS},${schema}} MetricName="${name}"', '${stat}', 60)`, label, id: `${name.replace(/\W/g, '')}${stat.replace(/\W/g, '')}` }];
const insights = (name: string, by: string, schema: string): unknown[] => [{ expression: `SELECT SUM(${name}) FROM SCHEMA(${NS}, ${schema}) GROUP BY ${by}`, label: name, id: `q${name.replace(/\W/g, '')}` }];

/** The CloudWatch dashboard: outcomes per priority, waits and latency, fleet, queue and lag. */
export function dashboardResource(stage: Stage): Record<string, Cfn> {
  const scheduler = 'model,priority,service';
  const widgets: Widget[] = [
    ...['admitted', 'completed', 'failed', 'dead_lettered'].map((m) => ({ title: `${m} per priority`, metrics: [insights(m, 'priority', scheduler)] })),
    { title: 'queue wait p50 / p99 (ms)', metrics: [search(scheduler, 'queue_wait_ms', 'p50', 'p50'), search(scheduler, 'queue_wait_ms', 'p99', 'p99')] },
    { title: 'model latency p50 / p99 (ms)', metrics: [search(scheduler, 'llm_latency_ms', 'p50', 'p50'), search(scheduler, 'llm_latency_ms', 'p99', 'p99')] },
    { title: 'fleet utilization per model (%)', metrics: [search('model,service', GAUGES.utilization, 'Maximum', 'utilization')] },
    { title: 'waiting requests per priority', metrics: [search('priority,service', GAUGES.waiting, 'Maximum', 'waiting')] },
    { title: 'waiting age per priority (ms)', metrics: [search('priority,service', GAUGES.waitingAge, 'Maximum', 'age')] },
    { title: 'consumer lag per topic', metrics: [search('service,topic', GAUGES.lag, 'Maximum', 'lag')] },
  ];
  const body = {
    widgets: widgets.map((w, i) => ({
      type: 'metric',
      x: (i % 2) * 12,
      y: Math.floor(i / 2) * 6,
      width: 12,
      height: 6,
      properties: { title: w.title, region: '${AWS::Region}', view: 'timeSeries', period: 60, stat: w.stat ?? 'Sum', metrics: w.metrics },
    })),
  };
  return {
    Dashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: { DashboardName: `${stage.service}-${stage.stage}`, DashboardBody: sub(JSON.stringify(body)) },
    },
  };
}
