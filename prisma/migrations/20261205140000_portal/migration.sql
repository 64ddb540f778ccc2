-- The citizen's personal account on the portal (Regulation II.6): a `portal` API-key role
-- for the portal's servers, and the portal's own account id on an account, by which the
-- portal channel names the citizen without any other personal data.
-- (ADD VALUE runs inside the migration's transaction since PostgreSQL 12; the new value
-- is not used in this transaction.)

-- AlterEnum
ALTER TYPE "role" ADD VALUE IF NOT EXISTS 'portal';

-- AlterTable
ALTER TABLE "account" ADD COLUMN "portal_account_id" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "account_portal_account_id_key" ON "account"("portal_account_id");
