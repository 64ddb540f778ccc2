-- Participants of the personal account (the cabinet): people who sign in through the
-- identity provider (ЕСИА or the agency's own) and read the indicators of their scope.
-- A participant is found by the provider's subject, or, until the first sign-in has
-- bound one, by the e-mail the provider asserts. Role and scope as on API keys.
--
-- Every administrator action (on participants, keys, organisations) is an audit event:
-- who (a participant or a key, by id and label), what, when, on what.

-- CreateTable
CREATE TABLE "participant" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "subject" TEXT,
    "email" TEXT,
    "role" "role" NOT NULL,
    "regions" TEXT[],
    "sectors" TEXT[],
    "organization_code" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_sign_in_at" TIMESTAMPTZ(3),
    "deactivated_at" TIMESTAMPTZ(3),

    CONSTRAINT "participant_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "participant_identified" CHECK ("subject" IS NOT NULL OR "email" IS NOT NULL),
    CONSTRAINT "participant_not_integrator" CHECK ("role" <> 'integrator'),
    CONSTRAINT "participant_email_lowercase" CHECK ("email" = lower("email"))
);

-- CreateIndex
CREATE UNIQUE INDEX "participant_subject_key" ON "participant"("subject");
CREATE UNIQUE INDEX "participant_email_key" ON "participant"("email");

-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_event_at_idx" ON "audit_event"("at");
