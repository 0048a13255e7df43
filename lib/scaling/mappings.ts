import {
  LambdaClient,
  LambdaServiceException,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { EventSourceMappingConfiguration, LambdaClientConfig } from '@aws-sdk/client-lambda';
import { toError } from '../errors/index.js';
import { MappingControlError } from './errors.js';

/** Provisioned pollers of a mapping (`ProvisionedPollerConfig`). */
export interface PollerRange {
  min: number;
  max: number;
  /** `PollerGroupName`, kept as it is when the range is updated. */
  group?: string;
}

/** A Kafka event source mapping, reduced to what scaling needs. */
export interface MappingInfo {
  uuid: string;
  topic: string;
  /** The configured consumer group, or the mapping's UUID (Lambda's default group id). */
  groupId: string;
  /** null: the mapping is in on-demand mode (no `ProvisionedPollerConfig`). */
  pollers: PollerRange | null;
  batchSize?: number;
  /** `Enabled`, `Updating`, `Disabled`, … — only an `Enabled` mapping can be changed. */
  state?: string;
  /** Epoch ms of the mapping's last change (any change, a deployment included). */
  lastModified?: number;
}

/** The port the autoscaler drives: list a function's Kafka mappings, change their pollers. */
export interface MappingControl {
  list(functionName: string): Promise<MappingInfo[]>;
  setPollers(uuid: string, pollers: PollerRange): Promise<void>;
}

const RETRYABLE = new Set(['ResourceInUseException', 'TooManyRequestsException', 'ServiceException']);

function wrap(action: string, err: unknown): MappingControlError {
  if (err instanceof LambdaServiceException) {
    const retryable = RETRYABLE.has(err.name) || err.$fault === 'server' || err.$retryable !== undefined;
    return new MappingControlError(`${action}: ${err.name}: ${err.message}`, { retryable, awsError: err.name, cause: err });
  }
  // Network errors and timeouts: the next run (a minute later) tries again.
  return new MappingControlError(`${action}: ${toError(err).message}`, { retryable: true, cause: err });
}

/** A Kafka mapping (MSK or self-managed) as `MappingInfo`; undefined for other event sources. */
export function toMappingInfo(m: EventSourceMappingConfiguration): MappingInfo | undefined {
  const topic = m.Topics?.[0];
  if (m.UUID === undefined || topic === undefined) return undefined;
  const configured =
    m.SelfManagedKafkaEventSourceConfig?.ConsumerGroupId ?? m.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId;
  const ppc = m.ProvisionedPollerConfig;
  const info: MappingInfo = {
    uuid: m.UUID,
    topic,
    groupId: configured !== undefined && configured !== '' ? configured : m.UUID,
    pollers: null,
  };
  if (ppc !== undefined && (ppc.MinimumPollers !== undefined || ppc.MaximumPollers !== undefined)) {
    // Lambda's documented defaults for Kafka fill in a half-specified config.
    info.pollers = { min: ppc.MinimumPollers ?? 1, max: ppc.MaximumPollers ?? 200 };
    if (ppc.PollerGroupName !== undefined) info.pollers.group = ppc.PollerGroupName;
  }
  if (m.BatchSize !== undefined) info.batchSize = m.BatchSize;
  if (m.State !== undefined) info.state = m.State;
  if (m.LastModified !== undefined) info.lastModified = m.LastModified.getTime();
  return info;
}

/** `MappingControl` on the Lambda API (`lambda:ListEventSourceMappings`, `lambda:UpdateEventSourceMapping`). */
export class LambdaMappingControl implements MappingControl {
  constructor(private readonly client: LambdaClient) {}

  async list(functionName: string): Promise<MappingInfo[]> {
    const out: MappingInfo[] = [];
    let marker: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListEventSourceMappingsCommand({ FunctionName: functionName, Marker: marker }));
      } catch (err: unknown) {
        throw wrap(`list event source mappings of ${functionName}`, err);
      }
      for (const m of page.EventSourceMappings ?? []) {
        const info = toMappingInfo(m);
        if (info !== undefined) out.push(info);
      }
      marker = page.NextMarker;
    } while (marker !== undefined && marker !== '');
    return out;
  }

  async setPollers(uuid: string, pollers: PollerRange): Promise<void> {
    try {
      await this.client.send(
        new UpdateEventSourceMappingCommand({
          UUID: uuid,
          ProvisionedPollerConfig: {
            MinimumPollers: pollers.min,
            MaximumPollers: pollers.max,
            ...(pollers.group !== undefined ? { PollerGroupName: pollers.group } : {}),
          },
        }),
      );
    } catch (err: unknown) {
      throw wrap(`update pollers of mapping ${uuid}`, err);
    }
  }
}

/** A `LambdaMappingControl` with its own client (region and credentials from the environment by default). */
export function createLambdaMappingControl(config: LambdaClientConfig = {}): LambdaMappingControl {
  return new LambdaMappingControl(new LambdaClient(config));
}
