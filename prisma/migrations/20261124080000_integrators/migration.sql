-- Integrators as identities. Receipts used to be keyed by the free-text name of the API
-- key that posted them, so two integrators given the same key name shared receipts, and a
-- key with a new name lost them. Receipts now belong to an integrator, which has keys.
--
-- Existing data keeps its meaning exactly: each distinct name that identified an
-- integrator (the name of an integrator-role key, revoked or not, or a receipt's
-- `integrator` value) becomes one integrator whose code is that name. So
-- (integrator_id, external_id) is unique exactly where (integrator, external_id) was, no
-- externalId changes, and every key reaches the receipts it reached before.
--
-- receipt.integrator is dropped rather than kept as a label: it held nothing but the
-- integrator's code (now one join away), and a copy of it next to integrator_id would
-- invite the name-as-identity look-ups this migration removes.

-- CreateTable
CREATE TABLE "integrator" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "integrator_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "integrator_code_key" ON "integrator"("code");

-- One integrator per distinct name, dated by its first key or receipt
INSERT INTO "integrator" ("id", "code", "created_at")
SELECT gen_random_uuid(), "named"."code", min("named"."since")
FROM (
    SELECT "name" AS "code", "created_at" AS "since" FROM "api_key" WHERE "role" = 'integrator'
    UNION ALL
    SELECT "integrator", min("received_at") FROM "receipt" GROUP BY "integrator"
) AS "named"
GROUP BY "named"."code";

-- AlterTable
ALTER TABLE "api_key" ADD COLUMN "integrator_id" UUID,
ADD COLUMN "expires_at" TIMESTAMPTZ(3),
ADD COLUMN "last_used_at" TIMESTAMPTZ(3);

-- Link integrator keys
UPDATE "api_key" SET "integrator_id" = "integrator"."id"
FROM "integrator"
WHERE "api_key"."role" = 'integrator' AND "integrator"."code" = "api_key"."name";

-- Only integrator keys belong to an integrator, and every one does
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_integrator_id_check" CHECK (("role" = 'integrator') = ("integrator_id" IS NOT NULL));

-- AlterTable
ALTER TABLE "receipt" ADD COLUMN "integrator_id" UUID;

-- Link receipts
UPDATE "receipt" SET "integrator_id" = "integrator"."id"
FROM "integrator"
WHERE "integrator"."code" = "receipt"."integrator";

-- AlterTable
ALTER TABLE "receipt" ALTER COLUMN "integrator_id" SET NOT NULL;

-- DropIndex
DROP INDEX "receipt_integrator_external_id_key";

-- AlterTable
ALTER TABLE "receipt" DROP COLUMN "integrator";

-- CreateIndex
CREATE INDEX "api_key_integrator_id_idx" ON "api_key"("integrator_id");

-- CreateIndex
CREATE UNIQUE INDEX "receipt_integrator_id_external_id_key" ON "receipt"("integrator_id", "external_id");

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_integrator_id_fkey" FOREIGN KEY ("integrator_id") REFERENCES "integrator"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "receipt" ADD CONSTRAINT "receipt_integrator_id_fkey" FOREIGN KEY ("integrator_id") REFERENCES "integrator"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
