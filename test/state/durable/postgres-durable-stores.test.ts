import { afterAll, describe } from "vitest";
import { postgresAvailable } from "../../helpers/servers";
import { describeEventLogContract } from "./event-log.contract";
import { describeForgetUserContract } from "./forget-user.contract";
import { postgresHarness } from "./harness";
import { describeItemStoreContract } from "./item-store.contract";
import { describeMigrationsContract } from "./migrations.contract";
import { describeSnapshotStoreContract } from "./snapshot-store.contract";
import { describeSqlClientContract } from "./sql-client.contract";
import { describeUserRepositoryContract } from "./user-repository.contract";

const available = await postgresAvailable();
const harness = postgresHarness();
afterAll(() => harness.dispose());

describe.skipIf(!available)("durable stores on real Postgres", () => {
  describeSqlClientContract(harness);
  describeMigrationsContract(harness);
  describeUserRepositoryContract(harness);
  describeItemStoreContract(harness);
  describeEventLogContract(harness);
  describeForgetUserContract(harness);
  describeSnapshotStoreContract(harness);
});
