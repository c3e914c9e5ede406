/** '::ffff:127.0.0.1' → '127.0.0.1': an IPv4 caller on a dual-stack socket, as AWS reports it (aws:SourceIp, CloudTrail's sourceIPAddress). */
export function withoutV4Mapping(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
