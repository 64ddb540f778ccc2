-- CreateEnum
CREATE TYPE "founder_level" AS ENUM ('federal', 'regional', 'municipal');

-- CreateEnum
CREATE TYPE "role" AS ENUM ('admin', 'integrator', 'federal', 'sector', 'region', 'organization');

-- CreateEnum
CREATE TYPE "service_kind" AS ENUM ('one_time', 'long');

-- CreateEnum
CREATE TYPE "receipt_status" AS ENUM ('active', 'cancelled');

-- CreateEnum
CREATE TYPE "person_role" AS ENUM ('recipient', 'representative');

-- CreateEnum
CREATE TYPE "invitation_status" AS ENUM ('pending', 'no_account', 'active', 'closed');

-- CreateEnum
CREATE TYPE "close_reason" AS ENUM ('expired', 'completed', 'service_ended', 'withdrawn');

-- CreateEnum
CREATE TYPE "notification_status" AS ENUM ('pending', 'sent', 'failed', 'skipped');

-- CreateTable
CREATE TABLE "region" (
    "code" VARCHAR(2) NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "region_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "organization_type" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sector" TEXT NOT NULL,

    CONSTRAINT "organization_type_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "region_organization_type" (
    "region_code" VARCHAR(2) NOT NULL,
    "type_code" TEXT NOT NULL,

    CONSTRAINT "region_organization_type_pkey" PRIMARY KEY ("region_code","type_code")
);

-- CreateTable
CREATE TABLE "organization" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type_code" TEXT NOT NULL,
    "region_code" VARCHAR(2) NOT NULL,
    "founder_level" "founder_level" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account" (
    "id" UUID NOT NULL,
    "snils_hash" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "confirmed" BOOLEAN NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "role" NOT NULL,
    "regions" TEXT[],
    "sectors" TEXT[],
    "organization_code" TEXT,
    "key_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "receipt" (
    "id" UUID NOT NULL,
    "integrator" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "body_hash" TEXT NOT NULL,
    "organization_id" UUID NOT NULL,
    "service_kind" "service_kind" NOT NULL,
    "service_date" DATE NOT NULL,
    "service_end" DATE,
    "minor" BOOLEAN NOT NULL,
    "late" BOOLEAN NOT NULL,
    "status" "receipt_status" NOT NULL DEFAULT 'active',
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cancelled_at" TIMESTAMPTZ(3),
    "workflow_started_at" TIMESTAMPTZ(3),

    CONSTRAINT "receipt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "receipt_person" (
    "receipt_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "role" "person_role" NOT NULL,
    "snils_hash" TEXT NOT NULL,

    CONSTRAINT "receipt_person_pkey" PRIMARY KEY ("receipt_id","position")
);

-- CreateTable
CREATE TABLE "invitation" (
    "id" UUID NOT NULL,
    "receipt_id" UUID NOT NULL,
    "status" "invitation_status" NOT NULL DEFAULT 'pending',
    "round" INTEGER NOT NULL DEFAULT 0,
    "activated_at" TIMESTAMPTZ(3),
    "closes_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "close_reason" "close_reason",
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "invitation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invitation_link" (
    "id" UUID NOT NULL,
    "invitation_id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "token_nonce" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "unsubscribed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invitation_link_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invitation_round" (
    "invitation_id" UUID NOT NULL,
    "round" INTEGER NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "notified_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "invitation_round_pkey" PRIMARY KEY ("invitation_id","round")
);

-- CreateTable
CREATE TABLE "notification" (
    "id" UUID NOT NULL,
    "invitation_id" UUID NOT NULL,
    "round" INTEGER NOT NULL,
    "link_id" UUID NOT NULL,
    "status" "notification_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "provider_id" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),

    CONSTRAINT "notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_email" (
    "id" UUID NOT NULL,
    "notification_id" UUID NOT NULL,
    "to" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_email_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "organization_code_key" ON "organization"("code");

-- CreateIndex
CREATE INDEX "organization_region_code_type_code_idx" ON "organization"("region_code", "type_code");

-- CreateIndex
CREATE UNIQUE INDEX "account_snils_hash_key" ON "account"("snils_hash");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_key_hash_key" ON "api_key"("key_hash");

-- CreateIndex
CREATE INDEX "receipt_workflow_started_at_received_at_idx" ON "receipt"("workflow_started_at", "received_at");

-- CreateIndex
CREATE INDEX "receipt_organization_id_received_at_idx" ON "receipt"("organization_id", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "receipt_integrator_external_id_key" ON "receipt"("integrator", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "invitation_receipt_id_key" ON "invitation"("receipt_id");

-- CreateIndex
CREATE INDEX "invitation_status_idx" ON "invitation"("status");

-- CreateIndex
CREATE UNIQUE INDEX "invitation_link_token_hash_key" ON "invitation_link"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "invitation_link_invitation_id_account_id_key" ON "invitation_link"("invitation_id", "account_id");

-- CreateIndex
CREATE INDEX "invitation_round_notified_at_idx" ON "invitation_round"("notified_at");

-- CreateIndex
CREATE INDEX "invitation_round_completed_at_idx" ON "invitation_round"("completed_at");

-- CreateIndex
CREATE UNIQUE INDEX "notification_link_id_round_key" ON "notification"("link_id", "round");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_email_notification_id_key" ON "outbox_email"("notification_id");

-- AddForeignKey
ALTER TABLE "region_organization_type" ADD CONSTRAINT "region_organization_type_region_code_fkey" FOREIGN KEY ("region_code") REFERENCES "region"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "region_organization_type" ADD CONSTRAINT "region_organization_type_type_code_fkey" FOREIGN KEY ("type_code") REFERENCES "organization_type"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "organization" ADD CONSTRAINT "organization_type_code_fkey" FOREIGN KEY ("type_code") REFERENCES "organization_type"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "organization" ADD CONSTRAINT "organization_region_code_fkey" FOREIGN KEY ("region_code") REFERENCES "region"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "receipt" ADD CONSTRAINT "receipt_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "receipt_person" ADD CONSTRAINT "receipt_person_receipt_id_fkey" FOREIGN KEY ("receipt_id") REFERENCES "receipt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invitation" ADD CONSTRAINT "invitation_receipt_id_fkey" FOREIGN KEY ("receipt_id") REFERENCES "receipt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invitation_link" ADD CONSTRAINT "invitation_link_invitation_id_fkey" FOREIGN KEY ("invitation_id") REFERENCES "invitation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invitation_link" ADD CONSTRAINT "invitation_link_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invitation_round" ADD CONSTRAINT "invitation_round_invitation_id_fkey" FOREIGN KEY ("invitation_id") REFERENCES "invitation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification" ADD CONSTRAINT "notification_link_id_fkey" FOREIGN KEY ("link_id") REFERENCES "invitation_link"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification" ADD CONSTRAINT "notification_invitation_id_round_fkey" FOREIGN KEY ("invitation_id", "round") REFERENCES "invitation_round"("invitation_id", "round") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbox_email" ADD CONSTRAINT "outbox_email_notification_id_fkey" FOREIGN KEY ("notification_id") REFERENCES "notification"("id") ON DELETE CASCADE ON UPDATE CASCADE;
