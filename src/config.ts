import { z } from "zod";
import { int, num, optionalUrl, clusterSeeds, bool, optionalPath, rewardMap, type KeyDef } from "./config-values";
import { DEFAULT_PRIOR, type ModelPrior } from "./engine/model";

const keys = {
  host: {
    env: "RECS_HOST",
    default: "127.0.0.1",
    description: "Address the gRPC server binds to.",
    schema: z.string().min(1, "must not be empty"),
  },
  port: { env: "RECS_PORT", default: "50051", description: "gRPC port (0 = any free port).", schema: int(0, 65535) },
  databaseUrl: {
    env: "DATABASE_URL",
    default: "",
    description: "Postgres URL. Unset = embedded PGlite under RECS_DATA_DIR.",
    schema: optionalUrl(["postgres:", "postgresql:"]),
  },
  dataDir: {
    env: "RECS_DATA_DIR",
    default: "./.recs-data",
    description: "Folder of the embedded database (used when DATABASE_URL is unset).",
    schema: z.string().min(1, "must not be empty"),
  },
  redisUrl: {
    env: "REDIS_URL",
    default: "",
    description: "Redis URL. Unset = in-memory session state (one replica only).",
    schema: optionalUrl(["redis:", "rediss:"]),
  },
  redisCluster: {
    env: "RECS_REDIS_CLUSTER",
    default: "",
    description: "Seed nodes of a Redis Cluster, HOST:PORT,HOST:PORT,... (instead of REDIS_URL). Empty = no cluster.",
    schema: clusterSeeds,
  },
  redisPrefix: {
    env: "RECS_REDIS_PREFIX",
    default: "recs:",
    description: "Prefix of every Redis key the service writes.",
    schema: z.string().max(64, "must be at most 64 characters"),
  },
  embeddingDim: {
    env: "RECS_EMBEDDING_DIM",
    default: "32",
    description: "Dimension of item and user embeddings.",
    schema: int(2, 512),
  },
  apiKeys: {
    env: "RECS_API_KEYS",
    default: "",
    description: "Comma-separated API keys; every call but health must carry one as `x-api-key`. Empty = no auth.",
    schema: z.string().transform((s) =>
      s
        .split(",")
        .map((k) => k.trim())
        .filter(Boolean),
    ),
  },
  metricsPort: {
    env: "RECS_METRICS_PORT",
    default: "0",
    description:
      "Port of the live page (`/`), Prometheus `/metrics` and the `/healthz` and `/readyz` probes (0 = off).",
    schema: int(0, 65535),
  },
  logLevel: {
    env: "RECS_LOG_LEVEL",
    default: "info",
    description: "Log level: fatal, error, warn, info, debug, trace or silent.",
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      message: "must be one of fatal, error, warn, info, debug, trace, silent",
    }),
  },
  tlsCert: {
    env: "RECS_TLS_CERT",
    default: "",
    description: "PEM certificate file; with RECS_TLS_KEY the server speaks TLS.",
    schema: optionalPath,
  },
  tlsKey: {
    env: "RECS_TLS_KEY",
    default: "",
    description: "PEM private key file for RECS_TLS_CERT.",
    schema: optionalPath,
  },
  tlsClientCa: {
    env: "RECS_TLS_CLIENT_CA",
    default: "",
    description: "PEM CA file; when set, clients must present a certificate it signed.",
    schema: optionalPath,
  },
  sessionWindow: {
    env: "RECS_SESSION_WINDOW",
    default: "50",
    description: "Events kept per session window.",
    schema: int(1, 1000),
  },
  sessionTtlS: {
    env: "RECS_SESSION_TTL_S",
    default: "1800",
    description: "Idle seconds before a session window expires.",
    schema: int(1, 30 * 86400),
  },
  rewardWaitMs: {
    env: "RECS_REWARD_WAIT_MS",
    default: "600000",
    description: "How long a recommendation waits for feedback before its unrewarded items get the default reward.",
    schema: int(1, 7 * 86400_000),
  },
  defaultReward: {
    env: "RECS_DEFAULT_REWARD",
    default: "0",
    description: "Reward of an item shown but not acted on within the wait window.",
    schema: num(-1e6, 1e6),
  },
  rewards: {
    env: "RECS_REWARDS",
    default: "click=1,add_to_cart=2,purchase=5,dismiss=-1",
    description: "Reward per feedback type; an explicit `reward` in the event overrides it.",
    schema: rewardMap,
  },
  alpha: {
    env: "RECS_ALPHA",
    default: "0.25",
    description:
      "LinUCB exploration width α (0.1 and 0.25 within a point of each other over `recs simulate --worlds 8`, " +
      "docs/learning.md).",
    schema: num(0, 100),
  },
  positionDiscount: {
    env: "RECS_POSITION_DISCOUNT",
    default: "1",
    description:
      "Exponent η of the chance (1 + slot)^-η that a shopper looks at a slot; " +
      "each slot's feedback trains the model scaled by it (0 = every slot is seen).",
    schema: num(0, 10),
  },
  priorSession: {
    env: "RECS_PRIOR_SESSION",
    default: String(DEFAULT_PRIOR.session),
    description:
      "A fresh model's prior weight on each session similarity (item vs session, " +
      "session's share of its category): it ranks by similarity before any feedback.",
    schema: num(-10, 10),
  },
  priorLongTerm: {
    env: "RECS_PRIOR_LONG_TERM",
    default: String(DEFAULT_PRIOR.longTerm),
    description: "A fresh model's prior weight on each long-term similarity (item vs the shopper's profile).",
    schema: num(-10, 10),
  },
  priorPopularity: {
    env: "RECS_PRIOR_POPULARITY",
    default: String(DEFAULT_PRIOR.popularity),
    description:
      "A fresh model's prior weight on an item's organic popularity lift (how much more shoppers pick it " +
      "on their own than the average item of its category).",
    schema: num(-10, 10),
  },
  priorStrength: {
    env: "RECS_PRIOR_STRENGTH",
    default: String(DEFAULT_PRIOR.strength),
    description:
      "How many observations' worth the prior counts (LinUCB's ridge λ); more = slower to leave the prior, " +
      "smaller exploration bonus.",
    schema: num(1e-3, 1e6),
  },
  epsilon: {
    env: "RECS_EPSILON",
    default: "0.025",
    description: "Probability that a slot is filled uniformly at random.",
    schema: num(0, 1),
  },
  candidates: {
    env: "RECS_CANDIDATES",
    default: "200",
    description: "Candidates retrieved by similarity when the request names none.",
    schema: int(1, 10_000),
  },
  excludeSessionItems: {
    env: "RECS_EXCLUDE_SESSION_ITEMS",
    default: "true",
    description: "Leave out items the shopper already acted on in this session.",
    schema: bool,
  },
  learningRate: {
    env: "RECS_LEARNING_RATE",
    default: "0.1",
    description: "How far one event moves the long-term embedding toward (or away from) the item.",
    schema: num(0, 1),
  },
  userCacheSize: {
    env: "RECS_USER_CACHE_SIZE",
    default: "100000",
    description: "Users kept in the in-process cache.",
    schema: int(0, 10_000_000),
  },
  snapshotIntervalS: {
    env: "RECS_SNAPSHOT_INTERVAL_S",
    default: "60",
    description: "Seconds between model snapshots (also taken at shutdown).",
    schema: int(1, 86400),
  },
  modelVersionsKept: {
    env: "RECS_MODEL_VERSIONS_KEPT",
    default: "3",
    description:
      "Model snapshots kept per surface, each a version `recs rollback --model` can return to (one is taken " +
      "every RECS_SNAPSHOT_INTERVAL_S; each is ~150 KB plus ~3.3 KB per item with its own statistics).",
    schema: int(1, 10_000),
  },
  eventRetentionDays: {
    env: "RECS_EVENT_RETENTION_DAYS",
    default: "90",
    description: "Days of event log kept.",
    schema: int(1, 3650),
  },
  storeTimeoutMs: {
    env: "RECS_STORE_TIMEOUT_MS",
    default: "50",
    description: "Deadline of each store read on the Recommend path.",
    schema: int(1, 60_000),
  },
  offPathStoreTimeoutMs: {
    env: "RECS_OFF_PATH_STORE_TIMEOUT_MS",
    default: "2000",
    description:
      "Deadline of the store reads off the Recommend path, where waiting beats failing: " +
      "Feedback's profile and serving-context reads (the latter at least RECS_STORE_TIMEOUT_MS), " +
      "GetUserState's, the default-reward sweep's claim.",
    schema: int(1, 60_000),
  },
  feedbackCommitTimeoutMs: {
    env: "RECS_FEEDBACK_COMMIT_TIMEOUT_MS",
    default: "5000",
    description:
      "How long a Feedback call waits for the event log to confirm its write before it gets UNAVAILABLE; " +
      "the write goes on, and a retry is then a duplicate. Keep it under clients' deadlines (often 10 s).",
    schema: int(1, 600_000),
  },
  maxSurfaces: {
    env: "RECS_MAX_SURFACES",
    default: "16",
    description:
      "Surfaces (RecommendRequest.surface) a replica creates on first use; a new one past this gets " +
      "RESOURCE_EXHAUSTED. Each holds its own model: ~1.4 MB at dimension 32, plus ~8 KB per item it " +
      "learned about (docs/surfaces.md).",
    schema: int(1, 1_000),
  },
  maxInFlight: {
    env: "RECS_MAX_IN_FLIGHT",
    default: "256",
    description: "Calls served at once (per worker); more get RESOURCE_EXHAUSTED.",
    schema: int(1, 100_000),
  },
  workers: {
    env: "RECS_WORKERS",
    default: "1",
    description:
      "Server processes sharing the port, each a replica (one per core). Above 1 needs DATABASE_URL and " +
      "REDIS_URL (or RECS_REDIS_CLUSTER).",
    schema: int(1, 64),
  },
  loadSampleCatalog: {
    env: "RECS_LOAD_SAMPLE_CATALOG",
    default: "auto",
    description: "Load data/catalog.jsonl into an empty catalog at start: auto (embedded store only), always or never.",
    schema: z.enum(["auto", "always", "never"], { message: "must be auto, always or never" }),
  },
} satisfies Record<string, KeyDef<unknown>>;

type Keys = typeof keys;
export type Config = Readonly<{ [K in keyof Keys]: z.output<Keys[K]["schema"]> }>;

/** The configuration keys, for documentation (`recs config`). */
export const CONFIG_KEYS: ReadonlyArray<{ name: string; env: string; default: string; description: string }> =
  Object.entries(keys).map(([name, def]) => ({
    name,
    env: def.env,
    default: def.default,
    description: def.description,
  }));

/** A configuration value that failed validation; the message names the variable and how to fix it. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads and validates every key once; the result is frozen. `overrides` (by key name) win over the
 * environment, which tests and embedded callers use.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, def] of Object.entries(keys) as [keyof Keys, KeyDef<unknown>][]) {
    if (name in overrides) {
      out[name] = overrides[name];
      continue;
    }
    const raw = env[def.env] ?? def.default;
    const parsed = def.schema.safeParse(raw);
    if (parsed.success) out[name] = parsed.data;
    else
      problems.push(
        `${def.env}=${JSON.stringify(raw)} ${parsed.error.issues.map((i) => i.message).join("; ")} ` +
          `(${def.description})`,
      );
  }
  if (out.tlsCert && !out.tlsKey)
    problems.push("RECS_TLS_CERT is set but RECS_TLS_KEY is not: set both to serve TLS, or neither");
  if (out.tlsKey && !out.tlsCert)
    problems.push("RECS_TLS_KEY is set but RECS_TLS_CERT is not: set both to serve TLS, or neither");
  if (out.tlsClientCa && !out.tlsCert) problems.push("RECS_TLS_CLIENT_CA needs RECS_TLS_CERT and RECS_TLS_KEY");
  const clusterSet = (out.redisCluster as unknown[] | undefined)?.length ?? 0;
  if (out.redisUrl && clusterSet > 0) {
    problems.push(
      "REDIS_URL and RECS_REDIS_CLUSTER are both set: set REDIS_URL for a standalone Redis or " +
        "RECS_REDIS_CLUSTER for a Redis Cluster, not both",
    );
  }
  if ((out.workers as number) > 1 && (!out.databaseUrl || (!out.redisUrl && clusterSet === 0))) {
    problems.push(
      "RECS_WORKERS above 1 needs DATABASE_URL and REDIS_URL (or RECS_REDIS_CLUSTER): " +
        "the embedded stores live inside one process, and workers share state through Postgres and Redis",
    );
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  return Object.freeze(out) as Config;
}

/** The model prior these settings give (RECS_PRIOR_*). */
export function modelPrior(config: Config): ModelPrior {
  return {
    session: config.priorSession,
    longTerm: config.priorLongTerm,
    popularity: config.priorPopularity,
    strength: config.priorStrength,
  };
}
