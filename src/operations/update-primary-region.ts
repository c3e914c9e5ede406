import { TRAITS } from '../domain/operation.ts';
import { updatePrimaryRegion } from '../domain/multi-region.ts';
import { defineOperation, KeyIdField } from './operation.ts';
import { RegionField } from './replicate-key.ts';

export default defineOperation(
  {
    name: 'UpdatePrimaryRegion',
    traits: TRAITS.write,
    // State any: whether the key is a primary is checked first, then its state (multi-region.ts).
    key: { member: 'KeyId', alias: false, action: 'kms:UpdatePrimaryRegion', state: 'any', conditions: (i) => ({ 'kms:PrimaryRegion': i.PrimaryRegion }) },
  },
  { KeyId: KeyIdField, PrimaryRegion: RegionField },
  async ({ core }, i, key) => {
    await updatePrimaryRegion(core, key, i.PrimaryRegion);
    return {};
  },
);
