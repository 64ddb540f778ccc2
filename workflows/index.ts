/** The worker's workflowsPath: every workflow of the product. */
export { invitationWorkflow } from './invitation';
export * from './invitation-signals';
