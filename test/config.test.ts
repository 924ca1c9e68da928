import { describe, expect, it } from "vitest";
import { ConfigError, CONFIG_KEYS, loadConfig } from "../src/config";

describe("configuration", () => {
  it("has a default for every key and documents each", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 50051,
      embeddingDim: 32,
      dataDir: "./.recs-data",
      apiKeys: [],
      metricsPort: 0,
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
    for (const key of CONFIG_KEYS) expect(key.description.length, key.env).toBeGreaterThan(10);
    expect(CONFIG_KEYS.map((k) => k.env)).toEqual(
      expect.arrayContaining([
        "RECS_HOST",
        "RECS_PORT",
        "DATABASE_URL",
        "RECS_DATA_DIR",
        "REDIS_URL",
        "RECS_EMBEDDING_DIM",
        "RECS_API_KEYS",
        "RECS_METRICS_PORT",
      ]),
    );
  });

  it("reads the environment", () => {
    const config = loadConfig({
      RECS_PORT: "6000",
      DATABASE_URL: "postgres://u@db:5432/recs",
      REDIS_URL: "redis://cache:6379",
      RECS_API_KEYS: " a , b ,",
      RECS_REWARDS: "purchase=10,dismiss=-2",
    });
    expect(config.port).toBe(6000);
    expect(config.databaseUrl).toBe("postgres://u@db:5432/recs");
    expect(config.apiKeys).toEqual(["a", "b"]);
    expect(config.rewards).toEqual({ click: 1, add_to_cart: 2, purchase: 10, dismiss: -2 });
  });

  it.each([
    ["RECS_PORT", "abc", /RECS_PORT="abc" must be a number/],
    ["RECS_PORT", "70000", /RECS_PORT="70000" must be ≤ 65535/],
    ["RECS_EMBEDDING_DIM", "3.5", /RECS_EMBEDDING_DIM="3.5" must be a whole number/],
    ["DATABASE_URL", "mysql://x", /DATABASE_URL="mysql:\/\/x" must start with postgres: or postgresql:/],
    ["REDIS_URL", "not a url", /REDIS_URL="not a url" must be a URL/],
    ["RECS_EPSILON", "1.5", /RECS_EPSILON="1.5" must be ≤ 1/],
    ["RECS_REWARDS", "click=abc", /RECS_REWARDS=.*"click=abc" is not TYPE=NUMBER/],
    ["RECS_LOG_LEVEL", "loud", /RECS_LOG_LEVEL="loud" must be one of/],
    ["RECS_TLS_CERT", "/tmp/cert.pem", /RECS_TLS_CERT is set but RECS_TLS_KEY is not/],
    ["RECS_REDIS_CLUSTER", "10.0.0.1:7000,10.0.0.2", /RECS_REDIS_CLUSTER=.*"10.0.0.2" is not HOST:PORT/],
  ])("stops on a bad %s with a message naming it", (env, value, message) => {
    expect(() => loadConfig({ [env]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [env]: value })).toThrow(message);
  });

  it("reads Redis Cluster seed nodes, and refuses them together with REDIS_URL", () => {
    const config = loadConfig({ RECS_REDIS_CLUSTER: "10.0.0.1:7000, redis-b:7001,[::1]:7002" });
    expect(config.redisCluster).toEqual([
      { host: "10.0.0.1", port: 7000 },
      { host: "redis-b", port: 7001 },
      { host: "::1", port: 7002 },
    ]);
    expect(loadConfig({}).redisCluster).toEqual([]);
    expect(() => loadConfig({ REDIS_URL: "redis://r:6379", RECS_REDIS_CLUSTER: "r:7000" })).toThrow(
      "REDIS_URL and RECS_REDIS_CLUSTER are both set: set REDIS_URL for a standalone Redis or " +
        "RECS_REDIS_CLUSTER for a Redis Cluster, not both",
    );
    expect(() =>
      loadConfig({ RECS_WORKERS: "2", DATABASE_URL: "postgres://u@db/recs", RECS_REDIS_CLUSTER: "r:7000" }),
    ).not.toThrow();
  });
});
