import { TRAITS } from '../domain/operation.ts';
import { updatePrimaryRegion } from '../domain/multi-region.ts';
import { defineOperation, KeyIdField } from './operation.ts';
import { RegionField } from './replicate-key.ts';

export default defineOperation({ name: 'UpdatePrimaryRegion', traits: TRAITS.write }, { KeyId: KeyIdField, PrimaryRegion: RegionField }, async ({ core, call }, i) => {
  await updatePrimaryRegion(core, call, i.KeyId, i.PrimaryRegion);
  return {};
});
