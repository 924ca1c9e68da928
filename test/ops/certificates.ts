import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM files of a throwaway PKI: paths for the server's config, contents for clients. */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A client certificate signed by the CA. */
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by an unrelated CA. */
  strangerCert: string;
  strangerKey: string;
  read(path: string): Buffer;
  remove(): void;
}

/** Whether the openssl CLI is on PATH (node:crypto cannot issue X.509 certificates). */
export function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Generates a CA, a server certificate for 127.0.0.1/localhost and two client certificates (P-256, 1 day). */
export function generateTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "recs-pki-"));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const selfSignedCa = (name: string) =>
    openssl(
      "req",
      "-x509",
      ...key,
      "-keyout",
      at(`${name}.key`),
      "-out",
      at(`${name}.crt`),
      "-days",
      "1",
      "-subj",
      `/CN=recs test ${name}`,
    );
  const issue = (name: string, ca: string, extensions: string) => {
    openssl("req", ...key, "-keyout", at(`${name}.key`), "-out", at(`${name}.csr`), "-subj", `/CN=recs test ${name}`);
    writeFileSync(at(`${name}.ext`), extensions);
    openssl(
      "x509",
      "-req",
      "-in",
      at(`${name}.csr`),
      "-CA",
      at(`${ca}.crt`),
      "-CAkey",
      at(`${ca}.key`),
      "-CAcreateserial",
      "-out",
      at(`${name}.crt`),
      "-days",
      "1",
      "-extfile",
      at(`${name}.ext`),
    );
  };
  selfSignedCa("ca");
  selfSignedCa("other-ca");
  issue("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  issue("client", "ca", "extendedKeyUsage=clientAuth\n");
  issue("stranger", "other-ca", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    caCert: at("ca.crt"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    clientCert: at("client.crt"),
    clientKey: at("client.key"),
    strangerCert: at("stranger.crt"),
    strangerKey: at("stranger.key"),
    read: (path) => readFileSync(path),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
