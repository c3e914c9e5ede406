/**
 * Key policy documents as stored text. "The key policy document … can be up to 32 kilobytes
 * (32768 bytes)" (PutKeyPolicy reference). The policy engine validates the grammar.
 */
import { LimitExceededException, MalformedPolicyDocumentException } from '../shared/errors.ts';

export const MAX_POLICY_BYTES = 32_768;

export function checkPolicyText(text: string): void {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) {
    throw new LimitExceededException(`The key policy exceeds the maximum size of ${MAX_POLICY_BYTES} bytes.`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new MalformedPolicyDocumentException('The policy document is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new MalformedPolicyDocumentException('The policy document must be a JSON object.');
  }
  if (!('Statement' in doc)) throw new MalformedPolicyDocumentException('Policy document must contain a Statement element.');
}
