-- The portal notification channel beside e-mail (issue 11): a notification is now one
-- addressee's notice of one round on one channel. Existing rows are e-mails. The unique
-- key (link, round) becomes (link, round, channel): one e-mail and at most one portal
-- notice per addressee and round. The link names its invitation, so the invitation adds
-- nothing to the key.

-- CreateEnum
CREATE TYPE "notification_channel" AS ENUM ('email', 'portal');

-- AlterTable
ALTER TABLE "notification" ADD COLUMN "channel" "notification_channel" NOT NULL DEFAULT 'email';

-- DropIndex
DROP INDEX "notification_link_id_round_key";

-- CreateIndex
CREATE UNIQUE INDEX "notification_link_id_round_channel_key" ON "notification"("link_id", "round", "channel");
