import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI only (`prisma generate`). The application builds its own
// connection from src/config.ts; migrations are applied by src/db/migrate.ts.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});
