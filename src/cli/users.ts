import { GraphRequestError } from '../client/errors.js';
import { type GraphUser, UserApi } from '../client/users.js';
import { parseCommandArgs, pageSizeFlag, pageSizeOf } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { collect, printJson, printTable, shortDate } from './output.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore users add UPN [--display-name N] [--mail M] [--disabled] | users list [--upn U] [--json] | ' +
  'users remove ID|UPN…   [--url U] [--token T] [--ca F] [--data DIR]';
const ADD_FLAGS = flagTable({
  'display-name': { type: 'string', value: 'N', defaultText: 'the part of the UPN before @', description: "the user's displayName" },
  mail: { type: 'string', value: 'M', description: "the user's mail address" },
  disabled: { type: 'boolean', description: 'create the account disabled (accountEnabled false)' },
  json: { type: 'boolean', description: 'print the created user as JSON' },
});
const LIST_FLAGS = flagTable({
  upn: { type: 'string', value: 'U', description: 'only the user with this userPrincipalName' },
  json: { type: 'boolean', description: 'print the users as JSON (an array) instead of a table' },
  'page-size': pageSizeFlag('users'),
});

export const usersCommand: Command = {
  summary: SUMMARIES.users,
  usage: USAGE,
  flags: [{ title: 'users add', flags: ADD_FLAGS }, { title: 'users list', flags: LIST_FLAGS }, { ...CONNECTION_SECTION, title: 'Connection (every subcommand)' }],
  async run(args) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'add': return add(rest);
      case 'list': return list(rest);
      case 'remove': return remove(rest);
      default: throw new UsageError(sub === undefined ? 'give a subcommand: add, list or remove.' : `unknown subcommand '${sub}'; use add, list or remove.`);
    }
  },
};

async function add(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...ADD_FLAGS }, true);
  if (positionals.length !== 1) throw new UsageError('users add takes one userPrincipalName.');
  const upn = positionals[0]!;
  const api = new UserApi(await connect(values));
  try {
    let user: GraphUser;
    try {
      user = await api.create({
        userPrincipalName: upn,
        displayName: values['display-name'] ?? upn.split('@')[0]!,
        ...(values.mail !== undefined ? { mail: values.mail } : {}),
        accountEnabled: values.disabled !== true,
      });
    } catch (err) {
      const existing = await alreadyThere(api, upn, err);
      process.stderr.write(`pfxstore users add: ${upn} already exists (id ${existing.id}, userPrincipalName ${existing.userPrincipalName}); nothing was added\n`);
      return 1;
    }
    if (values.json) printJson(user);
    else process.stdout.write(`added ${user.userPrincipalName}: ${user.id}\n`);
    return 0;
  } finally {
    api.client.close();
  }
}

async function list(args: readonly string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...LIST_FLAGS });
  const pageSize = pageSizeOf(values['page-size']);
  const api = new UserApi(await connect(values));
  let users: GraphUser[];
  try {
    users = await collect(api.list(values.upn, pageSize));
  } finally {
    api.client.close();
  }
  if (values.json) printJson(users);
  else if (users.length === 0) process.stderr.write('no users match\n');
  else {
    printTable(users, [
      { header: 'ID', value: (u) => u.id },
      { header: 'USER', value: (u) => u.userPrincipalName },
      { header: 'NAME', value: (u) => u.displayName ?? '' },
      { header: 'CREATED', value: (u) => shortDate(u.createdDateTime) },
    ]);
  }
  return 0;
}

async function remove(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, CONNECTION_FLAGS, true);
  if (positionals.length === 0) throw new UsageError('users remove takes one or more user ids or userPrincipalNames.');
  const api = new UserApi(await connect(values));
  let failed = 0;
  try {
    for (const who of positionals) {
      try {
        await api.delete(who);
        process.stdout.write(`removed ${who}\n`);
      } catch (err) {
        failed += 1;
        const reason = err instanceof GraphRequestError && err.status === 404 ? 'no such user'
          : err instanceof GraphRequestError && err.status === 409 ? await stillOwns(api, who)
          : (err as Error).message;
        process.stderr.write(`pfxstore users remove: ${who}: ${reason}\n`);
      }
    }
  } finally {
    api.client.close();
  }
  return failed > 0 ? 1 : 0;
}

/**
 * After a failed create: the user that is there already when the failure was a 409, to be shown with its id and
 * UPN (which may differ in case from the one given) so the caller has what it came for; else the error again.
 */
async function alreadyThere(api: UserApi, upn: string, err: unknown): Promise<GraphUser> {
  if (!(err instanceof GraphRequestError && err.status === 409)) throw err;
  const existing = await first(api.list(upn)).catch(() => undefined);
  if (existing === undefined) throw err;
  return existing;
}

/** A 409 on delete: the user's certificates keep it. Names the command that removes them, by the user's UPN. */
async function stillOwns(api: UserApi, who: string): Promise<string> {
  const upn = who.includes('@') ? who : (await api.get(who).catch(() => undefined))?.userPrincipalName ?? who;
  return `the user still owns certificates; remove them first with 'pfxstore remove --upn ${upn}'`;
}

async function first<T>(items: AsyncIterable<T>): Promise<T | undefined> {
  for await (const item of items) return item;
  return undefined;
}
