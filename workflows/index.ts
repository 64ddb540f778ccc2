/** The worker's workflowsPath: every workflow of the product. */
export { invitationWorkflow, invitationWorkflowV2 } from './invitation';
export { quarterlyScoringWorkflow } from './scoring';
export * from './invitation-signals';
