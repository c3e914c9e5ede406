/**
 * The people of the authorization suites: two accounts, and users with access keys declared in
 * an identities file each suite writes (alice and carol in ACCT, bob in OTHER).
 */
export const ACCT = '123456789012';
export const OTHER = '999999999999';
export const ALICE = { accessKeyId: 'AKIAALICE00000000001', secretAccessKey: 'alice-secret-0000000000000000000000000000' };
export const BOB = { accessKeyId: 'AKIABOB0000000000001', secretAccessKey: 'bob-secret-00000000000000000000000000000000' };
export const CAROL = { accessKeyId: 'AKIACAROL00000000001', secretAccessKey: 'carol-secret-000000000000000000000000000' };
export const aliceArn = `arn:aws:iam::${ACCT}:user/alice`;
export const carolArn = `arn:aws:iam::${ACCT}:user/carol`;
export const bobArn = `arn:aws:iam::${OTHER}:user/bob`;
