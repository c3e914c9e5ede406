/**
 * The server's side of the audit trail: one CloudTrail record per request (allowed, denied or
 * failed, authentication failures included), service events for the scheduler's rotations and
 * deletions, and the write-ahead entries that make "nothing changed" hold when the audit device
 * fails.
 *
 * Fail-closed, in two steps:
 * 1. Before a request's first store write commits, an `intent` entry (who, what, parameters) is
 *    made durable (audit-store.ts calls `beforeWrite`). If it cannot be, the write is never
 *    attempted: the request fails with KMSInternalException and nothing changed.
 * 2. Before the response leaves, the request's `event` record is made durable. If it cannot be,
 *    the caller gets KMSInternalException instead of the result (no plaintext, no data key, no
 *    ciphertext leaves). A read changed nothing. A write that committed between step 1 and a
 *    failing step 2 is kept, and its durable intent entry says who changed what: the caller sees
 *    an ambiguous 500 (as after a timeout), and `trent audit verify` lists such requests as
 *    "outcome unknown". Nothing is ever changed without a durable record of the attempt.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/ports.ts';
import type { Touched } from '../domain/core.ts';
import type { RequestScope } from '../domain/execute.ts';
import type { OperationTraits } from '../domain/operation.ts';
import type { Principal } from '../domain/types.ts';
import { withoutV4Mapping } from '../shared/source-ip.ts';
import type { Spec } from '../shared/validate.ts';
import type { AuditLog } from './audit-log.ts';
import type { HeadAnchor } from './anchor.ts';
import { additionalEventData, requestParameters, responseElements } from './redact.ts';
import { claimedAccessKeyId, type CloudTrailRecord, EVENT_VERSION, eventTime, keyResource, unauthenticatedIdentity, userIdentityOf } from './record.ts';
import { requestClass, type RequestClass } from './request-class.ts';

/** What the meter learns from each record. */
export interface Usage {
  class: RequestClass;
  /** The account billed for the request: the caller's. */
  account?: string;
  /** The key the request used (its ARN), if any. */
  key?: string;
  keySpec?: string;
}

export interface AuditorDeps {
  log: AuditLog;
  clock: Clock;
  region: string;
  /** Each durable event record (metering, metrics). */
  onEvent?: (record: CloudTrailRecord, usage: Usage) => void;
  /** Records the chain head in the store (the log's onDurable feeds it); its final write on close. */
  anchor?: HeadAnchor;
}

export interface RequestStart {
  requestId: string;
  eventSource: CloudTrailRecord['eventSource'];
  sourceIp: string;
  userAgent: string | undefined;
  /** The Authorization header as received: the access key id it claims goes into records of failed authentication (read only then). */
  authorization: string | string[] | undefined;
}

/**
 * A request that never reached an operation (unknown target, unreadable body): recorded as a
 * change to be safe (not read-only), with whatever it touched (nothing) as its resources.
 */
export const UNKNOWN_TRAITS: OperationTraits = { readOnly: false, responseElements: true, resources: true, billing: 'key' };

const MAX_MESSAGE = 2048;
const MAX_AGENT = 1024;

export class RequestAudit implements RequestScope {
  readonly touched = new Map<string, Touched>();
  eventName = 'Unknown';
  traits: OperationTraits = UNKNOWN_TRAITS;
  spec: Readonly<Record<string, Spec>> | undefined;
  input: unknown;
  principal: Principal | undefined;
  /** The Region of the request's SigV4 scope, once authenticated (else the server's --region). */
  region: string | undefined;
  /** CloudTrail's userIdentity.invokedBy: the service a front door called KMS for (its ServiceContext). */
  invokedBy: string | undefined;
  /** Extra response elements a non-JSON protocol reports (STS). */
  stsResponse: Record<string, unknown> | undefined;
  #intent: Promise<void> | undefined;
  #settled = false;
  readonly #a: Auditor;
  readonly start: RequestStart;
  readonly #time: Date;

  constructor(a: Auditor, start: RequestStart, time: Date) {
    this.#a = a;
    this.start = start;
    this.#time = time;
  }

  /** What the request asks for, once known (the operation, its audit traits, its input spec). */
  names(eventName: string, traits: OperationTraits, spec: Readonly<Record<string, Spec>>): void {
    this.eventName = eventName;
    this.traits = traits;
    this.spec = spec;
  }

  /** Who asks, once the signature is verified, and the Region it signed for. */
  authenticated(principal: Principal, region: string): void {
    this.principal = principal;
    this.region = region;
  }

  beforeWrite(): Promise<void> {
    this.#intent ??= this.#a.log.append('intent', {
      time: this.#a.clock.now().toISOString(),
      requestID: this.start.requestId,
      eventName: this.eventName,
      principal: this.principal?.arn ?? null,
      requestParameters: requestParameters(this.spec, this.input),
    });
    return this.#intent;
  }

  /** True once a record was handed to the log (whether or not it became durable). */
  get settled(): boolean {
    return this.#settled;
  }

  /** Builds the success record now (before the caller zeroes the output) and returns its durability. */
  succeed(output: Record<string, unknown>): Promise<void> {
    return this.#settle(output, undefined);
  }

  fail(error: { code: string; message: string }): Promise<void> {
    return this.#settle(undefined, error);
  }

  #settle(output: Record<string, unknown> | undefined, error: { code: string; message: string } | undefined): Promise<void> {
    this.#settled = true;
    let record: CloudTrailRecord;
    let usage: Usage;
    try {
      ({ record, usage } = this.#build(output, error));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#a.appendEvent(record, usage);
  }

  #build(output: Record<string, unknown> | undefined, error: { code: string; message: string } | undefined): { record: CloudTrailRecord; usage: Usage } {
    const traits = this.traits;
    const keys = [...this.touched.values()];
    const resources = traits.resources ? keys.map((k) => keyResource(k.arn, k.account)) : [];
    const p = this.principal;
    let response: Record<string, unknown> | null = null;
    if (output && traits.responseElements) {
      response = this.stsResponse ?? responseElements(output);
      // CloudTrail names the affected key even when the operation returns nothing (EnableKeyRotation…).
      if (response === null && resources[0]) response = { keyId: resources[0].ARN };
    }
    const extra = output ? additionalEventData(output) : undefined;
    // Member by member, in CloudTrail's order (JSON keeps insertion order): conditional spreads in
    // one literal cost more than the rest of the record together (profile of #build).
    const record = {
      eventVersion: EVENT_VERSION,
      userIdentity: p ? userIdentityOf(p, this.invokedBy) : unauthenticatedIdentity(claimedAccessKeyId(this.start.authorization)),
      eventTime: eventTime(this.#time),
      eventSource: this.start.eventSource,
      eventName: this.eventName,
      awsRegion: this.region ?? this.#a.region,
      sourceIPAddress: withoutV4Mapping(this.start.sourceIp),
      userAgent: (this.start.userAgent ?? '').slice(0, MAX_AGENT),
    } as CloudTrailRecord;
    if (error) {
      record.errorCode = error.code;
      record.errorMessage = error.message.slice(0, MAX_MESSAGE);
    }
    record.requestParameters = requestParameters(this.spec, this.input);
    record.responseElements = response;
    if (extra) record.additionalEventData = extra;
    record.requestID = this.start.requestId;
    record.eventID = randomUUID();
    record.readOnly = traits.readOnly;
    if (resources.length > 0) record.resources = resources;
    record.eventType = 'AwsApiCall';
    record.managementEvent = true;
    record.recipientAccountId = resources[0]?.accountId ?? p?.accountId ?? '';
    record.eventCategory = 'Management';
    const first = keys[0];
    const params = (this.input ?? {}) as { KeyPairSpec?: unknown };
    const cls: RequestClass = !p || this.start.eventSource !== 'kms.amazonaws.com' ? 'none' : requestClass(traits.billing, first?.keySpec, params.KeyPairSpec);
    const usage: Usage = { class: cls };
    if (p) usage.account = p.accountId;
    if (first) {
      usage.key = first.arn;
      usage.keySpec = first.keySpec;
    }
    return { record, usage };
  }
}

export class Auditor {
  readonly log: AuditLog;
  readonly clock: Clock;
  readonly region: string;
  readonly #onEvent: AuditorDeps['onEvent'];
  readonly #anchor: HeadAnchor | undefined;

  constructor(d: AuditorDeps) {
    this.log = d.log;
    this.clock = d.clock;
    this.region = d.region;
    this.#onEvent = d.onEvent;
    this.#anchor = d.anchor;
  }

  begin(start: RequestStart): RequestAudit {
    return new RequestAudit(this, start, this.clock.now());
  }

  async appendEvent(record: CloudTrailRecord, usage: Usage): Promise<void> {
    await this.log.append('event', { time: this.clock.now().toISOString(), usage, record });
    this.#onEvent?.(record, usage);
  }

  /** Write-ahead for a change made outside any request (scheduler, start-up). */
  serviceWrite(method: string, keyId: string | undefined): Promise<void> {
    return this.log.append('intent', { time: this.clock.now().toISOString(), service: true, method, ...(keyId !== undefined ? { keyId } : {}) });
  }

  /**
   * A CloudTrail AwsServiceEvent (RotateKey, DeleteKey): KMS acting on its own, "invokedBy": "AWS
   * Internal". Its awsRegion is the key's Region (the job ran on that Region's key), not --region.
   */
  serviceEvent(eventName: 'RotateKey' | 'DeleteKey' | 'DeleteExpiredKeyMaterial', key: { arn: string; account: string; keyId: string; region: string }, details: Record<string, unknown>): Promise<void> {
    const record: CloudTrailRecord = {
      eventVersion: EVENT_VERSION,
      userIdentity: { accountId: key.account, invokedBy: 'AWS Internal' },
      eventTime: eventTime(this.clock.now()),
      eventSource: 'kms.amazonaws.com',
      eventName,
      awsRegion: key.region,
      sourceIPAddress: 'AWS Internal',
      userAgent: 'AWS Internal',
      requestParameters: null,
      responseElements: null,
      eventID: randomUUID(),
      readOnly: false,
      resources: [keyResource(key.arn, key.account)],
      eventType: 'AwsServiceEvent',
      managementEvent: true,
      recipientAccountId: key.account,
      serviceEventDetails: { keyId: key.keyId, ...details },
      eventCategory: 'Management',
    };
    return this.appendEvent(record, { class: 'none', account: key.account, key: key.arn });
  }

  async close(): Promise<void> {
    await this.log.close();
    await this.#anchor?.close(this.log.position);
  }
}
