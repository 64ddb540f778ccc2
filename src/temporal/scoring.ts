/** Starts scoring runs on request (the schedules start the others). */
import type { Client } from '@temporalio/client';
import type { quarterlyScoringWorkflow } from '../../workflows/scoring';
import { scoringWorkflowId } from './shared';

export class ScoringGateway {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** An admin recompute of a finished quarter; a run already going for it is reused. */
  async recompute(period: string): Promise<string> {
    const workflowId = scoringWorkflowId(period);
    await this.client.workflow.start<typeof quarterlyScoringWorkflow>('quarterlyScoringWorkflow', {
      workflowId,
      taskQueue: this.taskQueue,
      args: [{ trigger: 'admin', period }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return workflowId;
  }
}
