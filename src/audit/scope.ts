/**
 * A request as `execute` sees its audit: the keys it touched (its CloudTrail `resources`, noted
 * by the domain as it resolves and creates keys) and its write-ahead entry, made durable before
 * an operation that may write runs. The server hands each request's scope to `execute`.
 *
 * Passed explicitly, not through AsyncLocalStorage: once any AsyncLocalStorage has run, Node 20
 * calls a promise hook for every promise the process creates, and a request creates dozens
 * (measured: 8% of the main thread's time per Encrypt at 64 connections).
 */
import type { Touched } from '../domain/core.ts';
import type { RequestScope } from '../domain/execute.ts';

export type TouchedKey = Touched;
export type AuditScope = RequestScope;
