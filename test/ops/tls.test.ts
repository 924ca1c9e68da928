import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials, status } from "@grpc/grpc-js";
import { RecsClient, type RecsClientOptions } from "../../src/client/recs-client";
import { IN_CI } from "../helpers/servers";
import { codeOf, testCatalog, type TestStorage } from "../helpers/service";
import { generateTestPki, opensslAvailable, type TestPki } from "./certificates";
import { opsStorage, startOpsService, type OpsService } from "./ops-service";

const haveOpenssl = opensslAvailable();
// Under CI the TLS suite must run: a silent skip would let TLS break unnoticed.
if (!haveOpenssl && IN_CI)
  throw new Error(
    "openssl CLI not found, and CI=true: install openssl (Debian package openssl) " +
      "so the TLS suite can make its certificates",
  );
if (!haveOpenssl)
  console.warn("openssl CLI not found: skipping the TLS suite (node:crypto cannot issue X.509 certificates)");

describe.skipIf(!haveOpenssl)("TLS with certificates made in the test", () => {
  let pki: TestPki;
  let storage: TestStorage;
  const running: OpsService[] = [];
  const clients: RecsClient[] = [];
  const clientOf = (ops: OpsService, options: RecsClientOptions) => {
    const client = new RecsClient(ops.target, { timeoutMs: 3_000, ...options });
    clients.push(client);
    return client;
  };
  const start = async (tls: { tlsCert: string; tlsKey: string; tlsClientCa?: string }) => {
    const ops = await startOpsService(storage, { ...tls, logLevel: "warn" });
    running.push(ops);
    return ops;
  };

  beforeAll(async () => {
    pki = generateTestPki();
    storage = await opsStorage();
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const ops of running) await ops.service.stop();
    await storage?.drop();
    pki?.remove();
  });

  it("serves a client that trusts the CA, and refuses plaintext", async () => {
    const ops = await start({ tlsCert: pki.serverCert, tlsKey: pki.serverKey });
    const secure = clientOf(ops, { credentials: credentials.createSsl(pki.read(pki.caCert)) });
    expect((await secure.upsertItems(testCatalog(5))).upserted).toBe("5");
    expect((await secure.recommend({ userId: "tls-u", sessionId: "tls-s", k: 2 })).items).toHaveLength(2);

    const plaintext = clientOf(ops, {});
    expect((await codeOf(plaintext.getItem("item-1"))).code).toBe(status.UNAVAILABLE);
    // A TLS client that does not trust the issuing CA must not connect either.
    const untrusting = clientOf(ops, { credentials: credentials.createSsl(pki.read(`${pki.dir}/other-ca.crt`)) });
    expect((await codeOf(untrusting.getItem("item-1"))).code).toBe(status.UNAVAILABLE);
  });

  it("with RECS_TLS_CLIENT_CA, serves only clients with a certificate that CA signed", async () => {
    const ops = await start({ tlsCert: pki.serverCert, tlsKey: pki.serverKey, tlsClientCa: pki.caCert });
    const ca = pki.read(pki.caCert);
    const withCert = clientOf(ops, {
      credentials: credentials.createSsl(ca, pki.read(pki.clientKey), pki.read(pki.clientCert)),
    });
    expect((await withCert.getItem("item-1")).itemId).toBe("item-1");

    const withoutCert = clientOf(ops, { credentials: credentials.createSsl(ca) });
    expect((await codeOf(withoutCert.getItem("item-1"))).code).toBe(status.UNAVAILABLE);
    const stranger = clientOf(ops, {
      credentials: credentials.createSsl(ca, pki.read(pki.strangerKey), pki.read(pki.strangerCert)),
    });
    expect((await codeOf(stranger.getItem("item-1"))).code).toBe(status.UNAVAILABLE);
  });
});
