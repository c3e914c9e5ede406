/**
 * An identities file for reload tests: user erin always, user dave (with an access key) only
 * when asked, so a SIGHUP after rewriting the file shows whether the reload took.
 */
export const DAVE = { accessKeyId: 'AKIADAVE000000000001', secretAccessKey: 'dave-secret-0000000000000000000000000000' };

export function identities(withDave: boolean): string {
  return [
    'accounts:',
    '  "111122223333":',
    '    principals:',
    '      - arn: arn:aws:iam::111122223333:user/erin',
    ...(withDave ? ['      - arn: arn:aws:iam::111122223333:user/dave', `        accessKeys: [{ id: ${DAVE.accessKeyId}, secret: "${DAVE.secretAccessKey}" }]`] : []),
    '',
  ].join('\n');
}
