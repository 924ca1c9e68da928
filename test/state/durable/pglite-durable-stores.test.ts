import { afterAll } from "vitest";
import { describeEventLogContract } from "./event-log.contract";
import { describeForgetUserContract } from "./forget-user.contract";
import { pgliteHarness } from "./harness";
import { describeItemStoreContract } from "./item-store.contract";
import { describeMigrationsContract } from "./migrations.contract";
import { describeSnapshotStoreContract } from "./snapshot-store.contract";
import { describeSqlClientContract } from "./sql-client.contract";
import { describeUserRepositoryContract } from "./user-repository.contract";

const harness = pgliteHarness();
afterAll(() => harness.dispose());

describeSqlClientContract(harness);
describeMigrationsContract(harness);
describeUserRepositoryContract(harness);
describeItemStoreContract(harness);
describeEventLogContract(harness);
describeForgetUserContract(harness);
describeSnapshotStoreContract(harness);
