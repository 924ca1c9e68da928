import type { Command } from "commander";
import { RecsClient } from "../client/recs-client";
import { loadConfig } from "../config";
import { forgetStoredUser, type ForgetUserResult } from "../engine/forget-user";
import { checkId } from "../engine/item-validation";
import { createLogger } from "../log";
import { durableStoreName, openStores, usesRedis } from "../state/open-stores";
import { DataDirLocked } from "../state/postgres/data-dir-lock";

interface ForgetOptions {
  target?: string;
  apiKey?: string;
}

/**
 * `recs forget-user ID`: DeleteUser from the command line. With `--target` (or RECS_TARGET) it asks the
 * running server, which forgets the user in its model at once. Without, it works on the stores the
 * environment names, as a replica would: safe beside running replicas on Postgres and Redis (they take
 * the removal from the log); refused while a server holds the embedded folder (single-process), and
 * without Redis beside a Postgres (the sessions and serving contexts would be in a server's memory).
 */
export function registerForgetUserCommand(program: Command): void {
  program
    .command("forget-user")
    .argument("<user-id>", "the shopper to forget (1..256 bytes)")
    .description(
      "Forget a shopper: profile, session windows, serving contexts, event-log rows and their part of the model",
    )
    .option("--target <host:port>", "go through this running server's DeleteUser (default: RECS_TARGET)")
    .option("--api-key <key>", "x-api-key, when the server requires one (default: RECS_API_KEY)")
    .action(async (userId: string, opts: ForgetOptions) => {
      checkId("user-id", userId);
      const target = opts.target ?? process.env.RECS_TARGET;
      const done = target
        ? await throughServer(target, userId, opts.apiKey ?? process.env.RECS_API_KEY)
        : await direct(userId);
      // Not the id: the terminal's scrollback is a log too.
      console.log(
        `forgotten: ${done.eventsDeleted} events, ${done.sessionsDeleted} session windows` +
          (done.modelUpdated ? ", model updates taken back" : ", no model updates") +
          (done.eventsDeleted === 0 && done.sessionsDeleted === 0 && !done.modelUpdated ? " (nothing was held)" : ""),
      );
    });
}

async function throughServer(target: string, userId: string, apiKey?: string): Promise<ForgetUserResult> {
  const client = new RecsClient(target, { apiKey, timeoutMs: 60_000 });
  try {
    const ack = await client.deleteUser(userId);
    return {
      eventsDeleted: Number(ack.eventsDeleted),
      sessionsDeleted: Number(ack.sessionsDeleted),
      modelUpdated: ack.modelUpdated,
    };
  } catch (err) {
    throw new Error(`${target}: ${(err as Error).message}`, { cause: err });
  } finally {
    client.close();
  }
}

async function direct(userId: string): Promise<ForgetUserResult> {
  const config = loadConfig();
  if (config.databaseUrl && !usesRedis(config))
    throw new Error(
      "with DATABASE_URL but no REDIS_URL, session windows and serving contexts live in the running servers' " +
        "memory, out of this command's reach: run it with --target HOST:PORT of each server (or set REDIS_URL)",
    );
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  let stores: Awaited<ReturnType<typeof openStores>>;
  try {
    stores = await openStores(config, logger, () => undefined);
  } catch (err) {
    if (err instanceof DataDirLocked)
      throw new Error(
        `the embedded data folder ${err.dataDir} is in use by process ${err.holder.pid} (a running \`recs serve\`): ` +
          "run `recs forget-user ID --target HOST:PORT` to go through it (it forgets the user in its model at once), " +
          "or stop it first",
        { cause: err },
      );
    throw err;
  }
  try {
    const done = await forgetStoredUser(
      {
        events: stores.durable.events,
        sessions: stores.ephemeral.sessions,
        servingContexts: stores.ephemeral.servingContexts,
      },
      userId,
    );
    console.error(`in ${durableStoreName(config)}; replicas take the model updates back as they follow the log`);
    return done;
  } finally {
    await stores.close();
  }
}
