/**
 * Participants of the cabinet from the command line, against the configured database (the
 * same database resolution as `npm run keys`):
 *
 *   npm run participants -- add --role <role> [--region 42] [--sector health]... [--organization <code>]
 *                               (--subject <sub> | --email <address>)... --name <name>
 *   npm run participants -- list
 *   npm run participants -- deactivate <id>
 *   npm run participants -- audit [--limit 50]
 *
 * A participant is matched at sign-in by the provider's subject or, until the first
 * sign-in binds one, by the e-mail the provider asserts as verified. Every change is an
 * audit event whose actor is `cli` and the operating-system user.
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { SECTORS } from '../prisma/reference-data';
import { createParticipant, deactivateParticipant, listParticipants, participantProblem, type NewParticipant } from '../src/cabinet/participants';
import { listAudit } from '../src/services/audit';
import type { Db } from '../src/db/client';
import { ROLES, type RoleName } from '../src/domain/scope';
import { assertScopeExists, CLI_ACTOR, describeScope, minute, runCommand, scopeOptions, table, UsageError } from './keys';

const PARTICIPANT_ROLES = ROLES.filter((r): r is Exclude<RoleName, 'integrator' | 'portal'> => r !== 'integrator' && r !== 'portal');

const USAGE = `Usage:
  npm run participants -- add --role <${PARTICIPANT_ROLES.join('|')}> [--region 42] [--sector <${SECTORS.join('|')}>]... [--organization <code>]
                              [--subject <subject at the identity provider>] [--email <address>] --name <name>
  npm run participants -- list
  npm run participants -- deactivate <id>
  npm run participants -- audit [--limit 50]`;

type Command =
  | { kind: 'add'; participant: NewParticipant }
  | { kind: 'list' }
  | { kind: 'deactivate'; id: string }
  | { kind: 'audit'; limit: number };

export function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        region: { type: 'string', multiple: true },
        sector: { type: 'string', multiple: true },
        organization: { type: 'string' },
        subject: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        limit: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [verb, ...rest] = positionals;
  const options = Object.keys(values);
  if (verb === 'list') {
    if (options.length + rest.length > 0) throw new UsageError('list takes no arguments');
    return { kind: 'list' };
  }
  if (verb === 'audit') {
    if (rest.length > 0 || options.some((o) => o !== 'limit')) throw new UsageError('audit takes only --limit');
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit takes a whole number from 1 to 10000');
    return { kind: 'audit', limit };
  }
  if (verb === 'deactivate') {
    if (options.length > 0) throw new UsageError('deactivate takes no options');
    if (rest.length !== 1 || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(rest[0]!)) {
      throw new UsageError('deactivate takes exactly one participant id (see `npm run participants -- list`)');
    }
    return { kind: 'deactivate', id: rest[0]!.toLowerCase() };
  }
  if (verb !== 'add') throw new UsageError(verb ? `unknown command: ${verb}` : 'no command given');
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
  if (values.limit !== undefined) throw new UsageError('--limit is for audit');
  const role = values.role as Exclude<RoleName, 'integrator' | 'portal'> | undefined;
  if (!role || !PARTICIPANT_ROLES.includes(role)) throw new UsageError(`--role must be one of ${PARTICIPANT_ROLES.join(', ')}`);
  const { regions, sectors } = scopeOptions(values);
  const participant: NewParticipant = {
    role,
    name: values.name?.trim() ?? '',
    subject: values.subject?.trim() || null,
    email: values.email?.trim().toLowerCase() || null,
    regions,
    sectors,
    organizationCode: values.organization ?? null,
  };
  const problem = participantProblem(participant);
  if (problem) throw new UsageError(problem);
  return { kind: 'add', participant };
}

async function run(command: Command, db: Db): Promise<number> {
  const actor = CLI_ACTOR;
  switch (command.kind) {
    case 'add': {
      const p = command.participant;
      await assertScopeExists(db, { regions: p.regions ?? [], organizationCode: p.organizationCode });
      try {
        const { id } = await createParticipant(db, p, actor);
        process.stdout.write(`Added ${p.role} participant ${id} (${describeScope({ regions: p.regions ?? [], sectors: p.sectors ?? [], organizationCode: p.organizationCode })})\n`);
        return 0;
      } catch (err) {
        if ((err as { code?: string }).code === 'P2002') throw new UsageError('a participant with this subject or e-mail exists already');
        throw err;
      }
    }
    case 'list': {
      const rows = (await listParticipants(db)).map((p) => [
        p.id,
        p.role,
        p.deactivatedAt ? `deactivated ${p.deactivatedAt.toISOString().slice(0, 10)}` : 'active',
        p.subject ?? '-',
        p.email ?? '-',
        p.lastSignInAt ? minute(p.lastSignInAt) : 'never',
        describeScope(p),
        p.name,
      ]);
      process.stdout.write(table([['id', 'role', 'status', 'subject', 'e-mail', 'last sign-in', 'scope', 'name'], ...rows]));
      return 0;
    }
    case 'deactivate': {
      if (await deactivateParticipant(db, command.id, actor)) {
        process.stdout.write(`Deactivated ${command.id}\n`);
        return 0;
      }
      process.stderr.write(`No active participant with id ${command.id}\n`);
      return 1;
    }
    case 'audit': {
      const rows = (await listAudit(db, command.limit)).map((e) => [minute(e.at), e.actor, e.action, e.target ?? '-', JSON.stringify(e.detail)]);
      process.stdout.write(table([['at', 'actor', 'action', 'target', 'detail'], ...rows]));
      return 0;
    }
  }
}

if (require.main === module) runCommand(USAGE, parseCommand, run);
