/**
 * OpenSSH known_hosts checking for the SSH executor: plain and hashed (`|1|salt|hash`) host names,
 * `[host]:port` for ports other than 22, `*`/`?` wildcards and `!` negations.
 * Marker lines (@cert-authority, @revoked) are skipped: certificates are not supported.
 */
import { createHmac } from "node:crypto";

export type HostKeyMatch = "match" | "mismatch" | "unknown";

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type inside an SSH wire-format public key blob (e.g. "ssh-ed25519"). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return "";
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.toString("latin1", 4, Math.min(4 + length, keyBlob.length));
}

/** The known_hosts line that records `keyBlob` as the key of host:port. */
export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString("base64")}\n`;
}

/**
 * Whether known_hosts text lists `keyBlob` for host:port ("match"), lists only other keys of the same type
 * for it ("mismatch"), or does not know the host with that key type ("unknown").
 */
export function checkHostKey(knownHosts: string, host: string, port: number, keyBlob: Buffer): HostKeyMatch {
  const name = knownHostsName(host, port);
  const type = keyTypeOf(keyBlob);
  const key = keyBlob.toString("base64");
  let sameTypeOtherKey = false;
  for (const rawLine of knownHosts.split("\n")) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("@")) continue;
    const [hosts, lineType, lineKey] = line.split(/\s+/);
    if (lineKey === undefined || !hostMatches(hosts, name)) continue;
    if (lineType === type && lineKey === key) return "match";
    if (lineType === type) sameTypeOtherKey = true;
  }
  return sameTypeOtherKey ? "mismatch" : "unknown";
}

function hostMatches(hostsField: string, name: string): boolean {
  if (hostsField.startsWith("|1|")) {
    const [, , salt, hash] = hostsField.split("|");
    if (salt === undefined || hash === undefined) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  let matched = false;
  for (const pattern of hostsField.split(",")) {
    const negated = pattern.startsWith("!");
    if (!wildcardMatches(negated ? pattern.slice(1) : pattern, name.toLowerCase())) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function wildcardMatches(pattern: string, name: string): boolean {
  const source = pattern
    .toLowerCase()
    .split("")
    .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`).test(name);
}
