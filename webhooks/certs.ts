// Webhook serving certificates: a self-signed CA plus a serving certificate signed by it, generated
// with @peculiar/x509 over WebCrypto (ECDSA P-256 / SHA-256), and a pure rotation decision.
//
// Rotation rule: a certificate is renewed once less than a third of its lifetime remains
// (notAfter - lifetime/3), or when it no longer matches what is needed (SANs, issuer, key).
// When the CA is renewed the previous CA stays in the trust bundle until it expires, so replicas
// still serving a certificate from the old CA keep working during the switch.
import { X509Certificate as NodeX509, createPrivateKey, randomBytes } from "node:crypto";
import type { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

/** What the Secret holds (keys: ca.crt, ca.key, tls.crt, tls.key). */
export interface CertBundle {
  /** PEM CA certificates the API server must trust: the current CA first, then older ones still valid. */
  caBundle: string;
  /** PEM PKCS#8 key of the current CA (the first certificate of caBundle). Absent when cert-manager issues. */
  caKey?: string;
  /** PEM serving certificate. */
  tlsCert: string;
  /** PEM PKCS#8 serving key. */
  tlsKey: string;
}

/** Names the serving certificate must carry. */
export interface CertSpec {
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
}

/** Certificate lifetimes in milliseconds. */
export interface CertLifetimes {
  caMs: number;
  servingMs: number;
}

const DAY = 86_400_000;
/** One year of CA, 90 days of serving certificate (renewed after 60). */
export const DEFAULT_LIFETIMES: CertLifetimes = { caMs: 365 * DAY, servingMs: 90 * DAY };
/** Backdating of notBefore against clock skew (at most a tenth of the lifetime, so short test lifetimes keep their renewal point). */
const BACKDATE_MS = 60_000;
function backdate(lifetimeMs: number): number {
  return Math.min(BACKDATE_MS, Math.floor(lifetimeMs / 10));
}
const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** Result of `decideRotation`. */
export type RotationDecision =
  | { action: "keep"; nextCheckAt: number }
  | { action: "issue-serving"; reason: string }
  | { action: "issue-ca"; reason: string };

/** Splits a PEM bundle into its certificate blocks. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** The moment a certificate should be renewed: notAfter minus a third of its lifetime. */
export function renewalTime(notBefore: number, notAfter: number): number {
  return notAfter - (notAfter - notBefore) / 3;
}

function parseCert(pem: string | undefined): NodeX509 | undefined {
  if (pem === undefined) return undefined;
  try {
    return new NodeX509(pem);
  } catch {
    return undefined;
  }
}

function parseKey(pem: string | undefined): ReturnType<typeof createPrivateKey> | undefined {
  if (pem === undefined) return undefined;
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}

/** SANs of a certificate as `dns:<name>` / `ip:<addr>` strings. */
export function certSANs(cert: NodeX509): Set<string> {
  const out = new Set<string>();
  for (const part of (cert.subjectAltName ?? "").split(", ")) {
    if (part.startsWith("DNS:")) out.add(`dns:${part.slice(4)}`);
    else if (part.startsWith("IP Address:")) out.add(`ip:${part.slice(11)}`);
  }
  return out;
}

function missingSANs(cert: NodeX509, spec: CertSpec): string[] {
  const have = certSANs(cert);
  const want = [...spec.dnsNames.map((d) => `dns:${d}`), ...spec.ipAddresses.map((i) => `ip:${i}`)];
  return want.filter((w) => !have.has(w));
}

function checkCA(bundle: CertBundle, now: number): { ca: NodeX509 } | { reason: string } {
  const ca = parseCert(splitPem(bundle.caBundle)[0]);
  const key = parseKey(bundle.caKey);
  if (ca === undefined || key === undefined)
    return { reason: "CA certificate or key missing or unreadable" };
  if (!ca.checkPrivateKey(key)) return { reason: "CA key does not match the CA certificate" };
  if (!ca.ca) return { reason: "CA certificate lacks basicConstraints CA:TRUE" };
  if (now >= renewalTime(ca.validFromDate.getTime(), ca.validToDate.getTime()))
    return { reason: "CA certificate is in its last third of life" };
  if (now < ca.validFromDate.getTime()) return { reason: "CA certificate is not valid yet" };
  return { ca };
}

function checkServing(
  bundle: CertBundle,
  ca: NodeX509,
  spec: CertSpec,
  now: number,
): { cert: NodeX509 } | { reason: string } {
  const cert = parseCert(bundle.tlsCert);
  const key = parseKey(bundle.tlsKey);
  if (cert === undefined || key === undefined)
    return { reason: "serving certificate or key missing or unreadable" };
  if (!cert.checkPrivateKey(key))
    return { reason: "serving key does not match the serving certificate" };
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    return { reason: "serving certificate is not signed by the current CA" };
  const missing = missingSANs(cert, spec);
  if (missing.length > 0) return { reason: `serving certificate lacks SANs ${missing.join(", ")}` };
  if (now < cert.validFromDate.getTime()) return { reason: "serving certificate is not valid yet" };
  if (now >= renewalTime(cert.validFromDate.getTime(), cert.validToDate.getTime()))
    return { reason: "serving certificate is in its last third of life" };
  return { cert };
}

/**
 * Decides what to do with the stored bundle at time `now` (epoch ms). Pure.
 * `keep.nextCheckAt` is the earliest renewal time of CA and serving certificate.
 */
export function decideRotation(
  bundle: CertBundle | undefined,
  spec: CertSpec,
  now: number,
): RotationDecision {
  if (bundle === undefined) return { action: "issue-ca", reason: "no certificate stored" };
  const ca = checkCA(bundle, now);
  if ("reason" in ca) return { action: "issue-ca", reason: ca.reason };
  const serving = checkServing(bundle, ca.ca, spec, now);
  if ("reason" in serving) return { action: "issue-serving", reason: serving.reason };
  const caRenew = renewalTime(ca.ca.validFromDate.getTime(), ca.ca.validToDate.getTime());
  const servingRenew = renewalTime(
    serving.cert.validFromDate.getTime(),
    serving.cert.validToDate.getTime(),
  );
  return { action: "keep", nextCheckAt: Math.min(caRenew, servingRenew) };
}

/**
 * Checks a bundle someone else issued (cert-manager): only that the serving pair is readable and
 * matching. Returns a reason when unusable.
 */
export function unusableReason(bundle: CertBundle | undefined): string | undefined {
  if (bundle === undefined) return "no certificate stored";
  const cert = parseCert(bundle.tlsCert);
  const key = parseKey(bundle.tlsKey);
  if (cert === undefined || key === undefined)
    return "serving certificate or key missing or unreadable";
  if (!cert.checkPrivateKey(key)) return "serving key does not match the serving certificate";
  return undefined;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive INTEGER
  return b.toString("hex");
}

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

async function importSigningKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = createPrivateKey(pem).export({ type: "pkcs8", format: "der" });
  return crypto.subtle.importKey("pkcs8", der, ALG, false, ["sign"]);
}

/** Generates a self-signed CA valid from shortly before `now` for `lifetimeMs`. */
export async function generateCA(
  commonName: string,
  now: number,
  lifetimeMs: number,
): Promise<{ cert: string; key: string }> {
  const keys = await crypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: `CN=${commonName}`,
      notBefore: new Date(now - backdate(lifetimeMs)),
      notAfter: new Date(now + lifetimeMs),
      signingAlgorithm: ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign |
            x509.KeyUsageFlags.cRLSign |
            x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: cert.toString("pem"), key: await exportKeyPem(keys.privateKey) };
}

/** Generates a serving certificate for `spec`, signed by the given CA. */
export async function generateServing(
  ca: { cert: string; key: string },
  spec: CertSpec,
  now: number,
  lifetimeMs: number,
): Promise<{ cert: string; key: string }> {
  const caCert = new x509.X509Certificate(ca.cert);
  const signingKey = await importSigningKey(ca.key);
  const keys = await crypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const names = [
    ...spec.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...spec.ipAddresses.map((value) => ({ type: "ip" as const, value })),
  ];
  const cn = (spec.dnsNames[0] ?? spec.ipAddresses[0] ?? "webhook").slice(0, 64);
  const notAfter = Math.min(now + lifetimeMs, caCert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: `CN=${cn}`,
      issuer: caCert.subject,
      notBefore: new Date(now - backdate(lifetimeMs)),
      notAfter: new Date(notAfter),
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(names),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: cert.toString("pem"), key: await exportKeyPem(keys.privateKey) };
}

/** CA certificates of `bundle` still valid at `now`. */
export function validCAs(caBundle: string, now: number): string[] {
  return splitPem(caBundle).filter((pem) => {
    const c = parseCert(pem);
    return c !== undefined && c.validToDate.getTime() > now;
  });
}

function joinPem(pems: readonly string[]): string {
  return pems.map((p) => p.trim()).join("\n") + "\n";
}

/** Options of `issue`. */
export interface IssueOptions {
  spec: CertSpec;
  now: number;
  lifetimes?: CertLifetimes;
  caCommonName?: string;
}

/**
 * Carries out a non-`keep` decision. `issue-ca` makes a new CA and keeps the previous CA (if still
 * valid) in the bundle; `issue-serving` reuses the current CA.
 */
export async function issue(
  decision: Exclude<RotationDecision, { action: "keep" }>,
  previous: CertBundle | undefined,
  opts: IssueOptions,
): Promise<CertBundle> {
  const lifetimes = opts.lifetimes ?? DEFAULT_LIFETIMES;
  let ca: { cert: string; key: string };
  let caBundle: string;
  const previousCAs = previous !== undefined ? validCAs(previous.caBundle, opts.now) : [];
  const current = previous !== undefined ? splitPem(previous.caBundle)[0] : undefined;
  if (decision.action === "issue-ca" || previous?.caKey === undefined || current === undefined) {
    ca = await generateCA(opts.caCommonName ?? "librechat-webhook-ca", opts.now, lifetimes.caMs);
    // Keep just the CA that signed the certificates being replaced, while it is valid.
    caBundle = joinPem([ca.cert, ...previousCAs.filter((p) => p === current)]);
  } else {
    ca = { cert: current, key: previous.caKey };
    caBundle = joinPem(previousCAs.includes(current) ? previousCAs : [current, ...previousCAs]);
  }
  const serving = await generateServing(ca, opts.spec, opts.now, lifetimes.servingMs);
  return { caBundle, caKey: ca.key, tlsCert: serving.cert, tlsKey: serving.key };
}

/** Secret `data` (base64) of a bundle. */
export function bundleToSecretData(b: CertBundle): Record<string, string> {
  const enc = (s: string): string => Buffer.from(s).toString("base64");
  const data: Record<string, string> = {
    "ca.crt": enc(b.caBundle),
    "tls.crt": enc(b.tlsCert),
    "tls.key": enc(b.tlsKey),
  };
  if (b.caKey !== undefined) data["ca.key"] = enc(b.caKey);
  return data;
}

/** Reads a bundle from Secret `data`; undefined unless tls.crt and tls.key are present. */
export function bundleFromSecretData(data: unknown): CertBundle | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const dec = (k: string): string | undefined =>
    typeof d[k] === "string" ? Buffer.from(d[k], "base64").toString("utf8") : undefined;
  // ca.crt may be missing in Secrets written by cert-manager for some issuers; "" then means
  // "no CA known" (self-managed mode issues a new CA, cert-manager mode does not need it).
  const caBundle = dec("ca.crt") ?? "";
  const tlsCert = dec("tls.crt");
  const tlsKey = dec("tls.key");
  if (tlsCert === undefined || tlsKey === undefined) return undefined;
  const caKey = dec("ca.key");
  return caKey !== undefined ? { caBundle, caKey, tlsCert, tlsKey } : { caBundle, tlsCert, tlsKey };
}

/** DNS names of a Service: name, name.ns, name.ns.svc, name.ns.svc.<clusterDomain>. */
export function serviceDNSNames(
  service: string,
  namespace: string,
  clusterDomain = "cluster.local",
): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.${clusterDomain}`,
  ];
}
