/**
 * Builds the Fastify app: external plugins, then app plugins, then routes. Tests call
 * this with real dependencies and use `inject`; `src/runtime.ts` calls it to listen.
 */
import cabinetRoutes from '../cabinet/routes';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import authPlugin from './plugins/auth';
import bodyPlugin from './plugins/body';
import citizenSecurityPlugin from './plugins/citizen-security';
import depsPlugin, { type AppDeps } from './plugins/deps';
import errorsPlugin, { frameworkError } from './plugins/errors';
import metricsPlugin from './plugins/metrics';
import requestIdPlugin, { genReqId } from './plugins/request-id';
import swaggerPlugin from './plugins/swagger';
import accountRoutes from './routes/accounts';
import citizenPageRoutes from './routes/citizen-pages';
import operationRoutes from './routes/operations';
import organizationPageRoutes from './routes/organization-page';
import portalRoutes from './routes/portal';
import questionnaireRoutes from './routes/questionnaires';
import receiptRoutes from './routes/receipts';
import referenceRoutes from './routes/reference';
import commentRoutes from './routes/comments';
import participationRoutes from './routes/participation';
import reportRoutes from './routes/reports';
import scoringRoutes from './routes/scoring';

export async function buildApp(deps: AppDeps, logger: Logger | false = false): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger as FastifyBaseLogger } : { logger: false }),
    // Fastify's request logs carry the URL, and citizen URLs carry tokens: we log our own.
    logController: new LogController({ disableRequestLogging: true }),
    // X-Request-Id is read and checked by genReqId (plugins/request-id.ts), never taken as sent.
    requestIdHeader: false,
    genReqId,
    bodyLimit: 8 * 1024 * 1024,
    frameworkErrors: frameworkError,
    // TRUST_PROXY: behind a proxy, request.ip (and so the per-address rate limit) is the
    // citizen's address from X-Forwarded-For, not the proxy's.
    trustProxy: deps.config.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();
  // One line per request with the route pattern (`/q/:token`), never the URL itself.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request completed',
    );
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(swaggerPlugin);
  await app.register(depsPlugin, { deps });
  await app.register(requestIdPlugin);
  await app.register(metricsPlugin);
  await app.register(errorsPlugin);
  await app.register(bodyPlugin);
  await app.register(authPlugin);
  await app.register(citizenSecurityPlugin);

  await app.register(operationRoutes);
  await app.register(referenceRoutes);
  await app.register(accountRoutes);
  await app.register(receiptRoutes);
  await app.register(questionnaireRoutes);
  await app.register(portalRoutes);
  await app.register(citizenPageRoutes);
  await app.register(organizationPageRoutes);
  await app.register(reportRoutes);
  await app.register(commentRoutes);
  await app.register(participationRoutes);
  await app.register(scoringRoutes);
  // The participants' cabinet, when an OpenID provider is configured (its own session and CSRF scope).
  if (deps.config.cabinet) await app.register(cabinetRoutes, { cabinet: deps.config.cabinet });
  await app.ready();
  return app as unknown as FastifyInstance;
}
