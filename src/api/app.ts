/**
 * Builds the Fastify app: external plugins, then app plugins, then routes. Tests call
 * this with real dependencies and use `inject`; `src/runtime.ts` calls it to listen.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import authPlugin from './plugins/auth';
import depsPlugin, { type AppDeps } from './plugins/deps';
import errorsPlugin from './plugins/errors';
import swaggerPlugin from './plugins/swagger';
import accountRoutes from './routes/accounts';
import operationRoutes from './routes/operations';
import receiptRoutes from './routes/receipts';
import referenceRoutes from './routes/reference';

export async function buildApp(deps: AppDeps, logger: Logger | false = false): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: 8 * 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(swaggerPlugin);
  await app.register(depsPlugin, { deps });
  await app.register(errorsPlugin);
  await app.register(authPlugin);

  await app.register(operationRoutes);
  await app.register(referenceRoutes);
  await app.register(accountRoutes);
  await app.register(receiptRoutes);
  await app.ready();
  return app as unknown as FastifyInstance;
}
