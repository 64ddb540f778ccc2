-- CreateEnum
CREATE TYPE "scoring_trigger" AS ENUM ('schedule', 'backfill', 'admin', 'provisional');

-- CreateEnum
CREATE TYPE "scoring_status" AS ENUM ('running', 'completed', 'failed');

-- CreateTable
CREATE TABLE "indicator_snapshot" (
    "period" VARCHAR(7) NOT NULL,
    "organization_id" UUID NOT NULL,
    "region_code" VARCHAR(2) NOT NULL,
    "type_code" TEXT NOT NULL,
    "sector" TEXT NOT NULL,
    "final" BOOLEAN NOT NULL,
    "receipts" INTEGER NOT NULL DEFAULT 0,
    "late" INTEGER NOT NULL DEFAULT 0,
    "no_account" INTEGER NOT NULL DEFAULT 0,
    "activated" INTEGER NOT NULL DEFAULT 0,
    "notified" INTEGER NOT NULL DEFAULT 0,
    "completed" INTEGER NOT NULL DEFAULT 0,
    "score_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "score_sum_sq" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "info_sum" INTEGER NOT NULL DEFAULT 0,
    "info_count" INTEGER NOT NULL DEFAULT 0,
    "process_sum" INTEGER NOT NULL DEFAULT 0,
    "process_count" INTEGER NOT NULL DEFAULT 0,
    "comfort_sum" INTEGER NOT NULL DEFAULT 0,
    "comfort_count" INTEGER NOT NULL DEFAULT 0,
    "accessibility_sum" INTEGER NOT NULL DEFAULT 0,
    "accessibility_count" INTEGER NOT NULL DEFAULT 0,
    "courtesy_sum" INTEGER NOT NULL DEFAULT 0,
    "courtesy_count" INTEGER NOT NULL DEFAULT 0,
    "competence_sum" INTEGER NOT NULL DEFAULT 0,
    "competence_count" INTEGER NOT NULL DEFAULT 0,
    "overall_sum" INTEGER NOT NULL DEFAULT 0,
    "overall_count" INTEGER NOT NULL DEFAULT 0,
    "computed_at" TIMESTAMPTZ(3) NOT NULL,
    "run_id" UUID NOT NULL,

    CONSTRAINT "indicator_snapshot_pkey" PRIMARY KEY ("period","organization_id")
);

-- CreateTable
CREATE TABLE "scoring_run" (
    "id" UUID NOT NULL,
    "period" VARCHAR(7) NOT NULL,
    "final" BOOLEAN NOT NULL,
    "trigger" "scoring_trigger" NOT NULL,
    "status" "scoring_status" NOT NULL DEFAULT 'running',
    "workflow_id" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "organizations" INTEGER,
    "changed" INTEGER,
    "changes" JSONB,
    "error" TEXT,

    CONSTRAINT "scoring_run_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "indicator_snapshot_period_region_code_sector_type_code_idx" ON "indicator_snapshot"("period", "region_code", "sector", "type_code");

-- CreateIndex
CREATE INDEX "scoring_run_period_started_at_idx" ON "scoring_run"("period", "started_at");

-- CreateIndex
CREATE INDEX "receipt_received_at_idx" ON "receipt"("received_at");

-- CreateIndex
CREATE INDEX "invitation_activated_at_idx" ON "invitation"("activated_at");

-- CreateIndex
CREATE INDEX "response_submitted_at_idx" ON "response"("submitted_at");

-- AddForeignKey
ALTER TABLE "indicator_snapshot" ADD CONSTRAINT "indicator_snapshot_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
