/** The worker's workflowsPath: every workflow of the product. */
export { invitationWorkflow } from './invitation';
export { quarterlyScoringWorkflow } from './scoring';
export * from './invitation-signals';
