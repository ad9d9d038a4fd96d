import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { checkHostKey, keyTypeOf, knownHostsLine, knownHostsName } from "./known-hosts.ts";

/** An SSH wire-format key blob: string type, then `body` as the key material. */
function keyBlob(type: string, body: string): Buffer {
  const typeBytes = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(typeBytes.length);
  return Buffer.concat([length, typeBytes, Buffer.from(body)]);
}

const key = keyBlob("ssh-ed25519", "the host's key");
const otherKey = keyBlob("ssh-ed25519", "someone else's key");
const b64 = key.toString("base64");

test("a key blob's type is read from its first string", () => {
  assert.equal(keyTypeOf(key), "ssh-ed25519");
  assert.equal(keyTypeOf(Buffer.alloc(2)), "");
});

test("hosts on port 22 are written bare and others as [host]:port", () => {
  assert.equal(knownHostsName("10.0.0.1", 22), "10.0.0.1");
  assert.equal(knownHostsName("10.0.0.1", 2222), "[10.0.0.1]:2222");
  assert.equal(knownHostsLine("h", 2222, key), `[h]:2222 ssh-ed25519 ${b64}\n`);
});

test("a listed key matches, a different key of the same type is a mismatch, an unlisted host is unknown", () => {
  const file = `# comment\n\nother ssh-ed25519 ${otherKey.toString("base64")}\nh1,h2 ssh-ed25519 ${b64}\nh3 ssh-ed25519 ${otherKey.toString("base64")}\n`;
  assert.equal(checkHostKey(file, "h2", 22, key), "match");
  assert.equal(checkHostKey(file, "h3", 22, key), "mismatch");
  assert.equal(checkHostKey(file, "h4", 22, key), "unknown");
  assert.equal(checkHostKey(file, "h1", 2222, key), "unknown", "a port other than 22 needs its own [host]:port entry");
});

test("a host known only by another key type is unknown, not a mismatch", () => {
  assert.equal(checkHostKey(`h ssh-rsa ${otherKey.toString("base64")}\n`, "h", 22, key), "unknown");
});

test("hashed host names are matched through HMAC-SHA1 with their salt", () => {
  const salt = Buffer.from("0123456789abcdefghij");
  const hash = createHmac("sha1", salt).update("[10.0.0.7]:2200").digest("base64");
  const file = `|1|${salt.toString("base64")}|${hash} ssh-ed25519 ${b64}\n`;
  assert.equal(checkHostKey(file, "10.0.0.7", 2200, key), "match");
  assert.equal(checkHostKey(file, "10.0.0.7", 22, key), "unknown");
});

test("wildcards match and a negated pattern excludes a host", () => {
  const file = `*.lab.example.org,!bad.lab.example.org ssh-ed25519 ${b64}\n10.0.0.? ssh-ed25519 ${b64}\n`;
  assert.equal(checkHostKey(file, "node1.lab.example.org", 22, key), "match");
  assert.equal(checkHostKey(file, "bad.lab.example.org", 22, key), "unknown");
  assert.equal(checkHostKey(file, "10.0.0.5", 22, key), "match");
  assert.equal(checkHostKey(file, "10.0.0.55", 22, key), "unknown");
});

test("@cert-authority and @revoked lines are skipped", () => {
  assert.equal(checkHostKey(`@cert-authority h ssh-ed25519 ${b64}\n`, "h", 22, key), "unknown");
});
