/**
 * The Regions one Trent answers for: the AWS commercial Regions (partition `aws`) where KMS is
 * offered, as of 2026, plus the `--region` it is started with (which may be any name, for
 * tests). A request's Region is the one in its SigV4 credential scope; a scope naming another
 * Region is refused as AWS refuses it ("Credential should be scoped to a valid region.").
 * China and GovCloud Regions are left out: their ARNs are in other partitions.
 */
export const AWS_REGIONS: readonly string[] = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'af-south-1',
  'ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ca-central-1', 'ca-west-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-south-2', 'eu-north-1',
  'il-central-1', 'me-south-1', 'me-central-1', 'mx-central-1', 'sa-east-1',
];

const KNOWN = new Set(AWS_REGIONS);

/** A predicate for the Regions a Trent started with `region` accepts. */
export function regionsAccepted(region: string): (r: string) => boolean {
  return (r) => r === region || KNOWN.has(r);
}
