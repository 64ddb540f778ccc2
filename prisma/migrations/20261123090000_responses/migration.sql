-- CreateTable
CREATE TABLE "response" (
    "id" UUID NOT NULL,
    "invitation_id" UUID NOT NULL,
    "round" INTEGER NOT NULL,
    "link_id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "questionnaire_version" INTEGER NOT NULL,
    "info" SMALLINT,
    "process" SMALLINT,
    "comfort" SMALLINT,
    "accessibility" SMALLINT,
    "courtesy" SMALLINT,
    "competence" SMALLINT,
    "overall" SMALLINT,
    "score" DOUBLE PRECISION NOT NULL,
    "comment" TEXT,
    "submitted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "response_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "response_organization_id_submitted_at_idx" ON "response"("organization_id", "submitted_at");

-- CreateIndex
CREATE UNIQUE INDEX "response_invitation_id_round_key" ON "response"("invitation_id", "round");

-- AddForeignKey
ALTER TABLE "response" ADD CONSTRAINT "response_invitation_id_round_fkey" FOREIGN KEY ("invitation_id", "round") REFERENCES "invitation_round"("invitation_id", "round") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "response" ADD CONSTRAINT "response_link_id_fkey" FOREIGN KEY ("link_id") REFERENCES "invitation_link"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "response" ADD CONSTRAINT "response_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
