import { TRAITS } from '../domain/operation.ts';
import { generateRandom } from '../domain/crypto-ops.ts';
import { ValidationException } from '../shared/errors.ts';
import { S } from '../shared/validate.ts';
import { defineOperation, CustomKeyStoreIdField, RecipientField, refuseCustomKeyStore, refuseRecipient } from './operation.ts';

export default defineOperation({ name: 'GenerateRandom', traits: { ...TRAITS.crypto, resources: false, billing: 'general' } }, 
  { NumberOfBytes: S.int({ min: 1, max: 1024 }), CustomKeyStoreId: CustomKeyStoreIdField, Recipient: RecipientField },
  async ({ core, call }, i) => {
    refuseCustomKeyStore(i.CustomKeyStoreId);
    refuseRecipient(i.Recipient);
    // Optional in the model, required by the service: "NumberOfBytes is required." (recorded against AWS).
    if (i.NumberOfBytes === undefined) throw new ValidationException('NumberOfBytes is required.');
    return { Plaintext: await generateRandom(core, call, i.NumberOfBytes) };
  },
);
