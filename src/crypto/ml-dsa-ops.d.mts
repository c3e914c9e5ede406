import type { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';

export declare const ML_DSA_MU_BYTES: 64;
export declare function loadMlDsa(): Promise<void>;
export declare function mlDsaScheme(parameterSet: 44 | 65 | 87): typeof ml_dsa44;
export declare function mlDsaSignRaw(parameterSet: 44 | 65 | 87, secretKey: Uint8Array, message: Uint8Array, externalMu: boolean): Uint8Array;
export declare function mlDsaVerifyRaw(parameterSet: 44 | 65 | 87, publicKey: Uint8Array, message: Uint8Array, externalMu: boolean, signature: Uint8Array): boolean;
