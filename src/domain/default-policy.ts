/**
 * "Default key policy": when CreateKey has no Policy, AWS KMS attaches this one, which gives the
 * account root (and so IAM policies in the account) full access to the key.
 */
export function defaultKeyPolicy(partition: string, account: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:${partition}:iam::${account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    },
    null,
    2,
  );
}
