-- Why a link closed when no rule of the Regulation closed it: an operator cancelled the
-- workflow (Temporal UI or CLI), or the workflow was found closed, terminated or missing
-- by the sweep.
ALTER TYPE "close_reason" ADD VALUE IF NOT EXISTS 'operator_cancelled';
ALTER TYPE "close_reason" ADD VALUE IF NOT EXISTS 'workflow_closed';

-- Re-sent completion signals, rate limited per round across every process.
ALTER TABLE "invitation_round" ADD COLUMN "resignal_count" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "invitation_round" ADD COLUMN "resignaled_at" TIMESTAMPTZ(3);
