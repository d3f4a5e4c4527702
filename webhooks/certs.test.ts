// Tests of the webhook CA and serving certificates.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import {
  bundleFromSecretData,
  bundleToSecretData,
  certSANs,
  decideRotation,
  issue,
  renewalTime,
  serviceDNSNames,
  splitPem,
  unusableReason,
} from "./certs.ts";
import type { CertBundle, CertLifetimes } from "./certs.ts";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-11-27T12:00:00Z");
const spec = {
  dnsNames: serviceDNSNames("webhook", "librechat-system"),
  ipAddresses: ["127.0.0.1"],
};
const lifetimes: CertLifetimes = { caMs: 300 * HOUR, servingMs: 30 * HOUR };

async function fresh(now = T0): Promise<CertBundle> {
  return issue({ action: "issue-ca", reason: "test" }, undefined, { spec, now, lifetimes });
}

describe("certificate generation", () => {
  it("issues a CA and a serving certificate with the Service DNS names and 127.0.0.1", async () => {
    const b = await fresh();
    const ca = new X509Certificate(splitPem(b.caBundle)[0]!);
    const leaf = new X509Certificate(b.tlsCert);
    assert.equal(ca.ca, true);
    assert.equal(leaf.ca, false);
    assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
    const sans = certSANs(leaf);
    for (const d of spec.dnsNames) assert.ok(sans.has(`dns:${d}`), d);
    assert.ok(sans.has("ip:127.0.0.1"));
    assert.match(leaf.keyUsage.join(","), /1\.3\.6\.1\.5\.5\.7\.3\.1/); // serverAuth
    assert.equal(leaf.validToDate.getTime(), T0 + 30 * HOUR);
  });

  it("round-trips through Secret data", async () => {
    const b = await fresh();
    assert.deepEqual(bundleFromSecretData(bundleToSecretData(b)), b);
    assert.equal(bundleFromSecretData({ "tls.crt": "eA==" }), undefined);
    assert.equal(bundleFromSecretData(null), undefined);
  });
});

describe("rotation decision", () => {
  it("renews when less than a third of the lifetime remains", async () => {
    const b = await fresh();
    const leaf = new X509Certificate(b.tlsCert);
    const renewAt = renewalTime(leaf.validFromDate.getTime(), leaf.validToDate.getTime());
    const cases: { name: string; now: number; action: string }[] = [
      { name: "just issued", now: T0, action: "keep" },
      { name: "one minute before the two-thirds mark", now: renewAt - 60_000, action: "keep" },
      { name: "at the two-thirds mark", now: renewAt, action: "issue-serving" },
      { name: "expired", now: T0 + 31 * HOUR, action: "issue-serving" },
      { name: "CA in its last third", now: T0 + 201 * HOUR, action: "issue-ca" },
    ];
    for (const c of cases) assert.equal(decideRotation(b, spec, c.now).action, c.action, c.name);
    const keep = decideRotation(b, spec, T0);
    assert.equal(keep.action === "keep" ? keep.nextCheckAt : 0, renewAt);
  });

  it("issues everything when nothing or garbage is stored", async () => {
    assert.equal(decideRotation(undefined, spec, T0).action, "issue-ca");
    const b = await fresh();
    assert.equal(decideRotation({ ...b, caKey: "junk" }, spec, T0).action, "issue-ca");
    assert.equal(decideRotation({ ...b, caBundle: "" }, spec, T0).action, "issue-ca");
  });

  it("renews the serving certificate when SANs, key or issuer do not match", async () => {
    const b = await fresh();
    const other = await fresh();
    assert.equal(
      decideRotation(b, { ...spec, dnsNames: [...spec.dnsNames, "extra.example"] }, T0).action,
      "issue-serving",
    );
    assert.equal(decideRotation({ ...b, tlsKey: other.tlsKey }, spec, T0).action, "issue-serving");
    assert.equal(
      decideRotation({ ...b, tlsCert: other.tlsCert, tlsKey: other.tlsKey }, spec, T0).action,
      "issue-serving",
    );
  });

  it("keeps the CA on serving renewal and keeps the old CA in the bundle on CA renewal", async () => {
    const b = await fresh();
    const renewed = await issue({ action: "issue-serving", reason: "t" }, b, {
      spec,
      now: T0 + 25 * HOUR,
      lifetimes,
    });
    assert.equal(renewed.caBundle, b.caBundle);
    assert.equal(renewed.caKey, b.caKey);
    assert.notEqual(renewed.tlsCert, b.tlsCert);
    assert.equal(decideRotation(renewed, spec, T0 + 25 * HOUR).action, "keep");

    const rotated = await issue({ action: "issue-ca", reason: "t" }, b, {
      spec,
      now: T0 + 250 * HOUR,
      lifetimes,
    });
    const cas = splitPem(rotated.caBundle);
    assert.equal(cas.length, 2);
    assert.equal(cas[1], splitPem(b.caBundle)[0]);
    assert.equal(decideRotation(rotated, spec, T0 + 250 * HOUR).action, "keep");
    // Once the old CA has expired it is dropped at the next renewal.
    const later = await issue({ action: "issue-serving", reason: "t" }, rotated, {
      spec,
      now: T0 + 301 * HOUR,
      lifetimes,
    });
    assert.equal(splitPem(later.caBundle).length, 1);
  });

  it("accepts externally issued bundles without a CA key", async () => {
    const b = await fresh();
    const { caKey: _drop, ...external } = b;
    assert.equal(unusableReason(external), undefined);
    assert.match(unusableReason({ ...external, tlsKey: "x" }) ?? "", /unreadable/);
  });
});
