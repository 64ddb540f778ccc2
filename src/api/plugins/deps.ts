/** Makes the process-wide dependencies (one Prisma client, one Temporal client) available to routes. */
import fp from 'fastify-plugin';
import type { Config } from '../../config';
import type { Db } from '../../db/client';
import type { Mailer } from '../../mail/mailer';
import type { Metrics } from '../../metrics';
import type { Secrets } from '../../security';
import type { InvitationGateway } from '../../temporal/invitations';
import type { CommentService } from '../../services/comments';
import type { PortalService } from '../../services/portal';
import type { ParticipationService } from '../../services/participation';
import type { QuestionnaireService } from '../../services/questionnaires';
import type { ReceiptService } from '../../services/receipts';
import type { ReportService } from '../../services/reports';
import type { ScoringGateway } from '../../temporal/scoring';

export interface AppDeps {
  config: Config;
  db: Db;
  secrets: Secrets;
  invitations: InvitationGateway;
  receipts: ReceiptService;
  questionnaires: QuestionnaireService;
  reports: ReportService;
  comments: CommentService;
  portal: PortalService;
  participation: ParticipationService;
  scoring: ScoringGateway;
  mailer: Mailer;
  /** Reports whether Temporal answers, for /ready. */
  temporalHealthy(): Promise<boolean>;
  /** The process's registry, served at GET /metrics; the app makes its own when absent. */
  metrics?: Metrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

export default fp<{ deps: AppDeps }>(
  async (app, opts) => {
    app.decorate('deps', opts.deps);
  },
  { name: 'deps' },
);
