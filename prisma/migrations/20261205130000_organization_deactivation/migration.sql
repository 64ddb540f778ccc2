-- A region deactivates an organisation that leaves the experiment (Regulation I.12б): it
-- takes no new receipts from then on, and keeps its receipts, responses and indicators.
-- Null while it takes part; set again to null when it is reactivated.

-- AlterTable
ALTER TABLE "organization" ADD COLUMN "deactivated_at" TIMESTAMPTZ(3);
