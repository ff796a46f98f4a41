import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { commands, loadCommand } from '../../src/cli/commands.js';
import type { Command } from '../../src/cli/command.js';
import { runCli, type RunOptions } from './harness.js';

/** The help's text about one flag: from its `--name` line up to the next flag's line; within one section if named. */
function flagText(help: string, flag: string, section?: string): string | undefined {
  let lines = help.split('\n');
  if (section !== undefined) lines = lines.slice(lines.indexOf(`${section}:`));
  const start = lines.findIndex((l) => new RegExp(`^  (-\\w, )?--${flag}( |$)`).test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^ {2}-|^\S|^$/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join(' ').replace(/\s+/g, ' ');
}

describe('help and usage errors, the same for every command', () => {
  // No command may see a data directory or an environment by accident: each runs in an empty directory.
  let cwd: string;
  let run: (args: string[], options?: RunOptions) => ReturnType<typeof runCli>;
  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'pfxstore-help-'));
    run = (args, options = {}) => runCli(args, { cwd, ...options });
  });
  after(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('pfxstore --help, -h and help list the commands on stdout, exit 0; --version prints the version', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await run(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^Usage: pfxstore <command> \[options\]$/m);
      for (const name of Object.keys(commands)) assert.match(r.stdout, new RegExp(`^ {2}${name} +\\S`, 'm'), name);
    }
    const { version } = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8'));
    const v = await run(['--version']);
    assert.deepEqual([v.code, v.stdout, v.stderr], [0, `${version}\n`, '']);
  });

  it('npx pfxstore runs the package\'s own bin inside the clone (README, Quick start)', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const { bin, version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    assert.equal(bin.pfxstore, 'dist/src/main.js');
    assert.match(await readFile(join(root, bin.pfxstore), 'utf8'), /^#!\/usr\/bin\/env node\n/);
    // --no --offline: never fetch a package of that name; the clone's own bin or nothing. npx links the clone into
    // its cache and runs its `prepare` (tsc) the first time: ignore-scripts keeps it from rewriting dist/ while
    // the other test files import from it (a half-written module failed an unrelated test once).
    const { stdout } = await promisify(execFile)('npx', ['--no', '--offline', 'pfxstore', '--version'],
      { cwd: join(root, 'src'), env: { ...process.env, npm_config_ignore_scripts: 'true' } });
    assert.equal(stdout, `${version}\n`);
  });

  it('no command, an unknown command, help for an unknown command: the list on stderr, exit 2', async () => {
    for (const args of [[], ['bogus'], ['--bogus'], ['help', 'bogus']]) {
      const r = await run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^Usage: pfxstore <command> \[options\]$/m);
      if (args.length > 0) assert.match(r.stderr, /^Unknown command '(bogus|--bogus)'\./);
    }
  });

  // Every command of the table, so that a new command is covered by being added there.
  for (const name of Object.keys(commands)) {
    describe(`pfxstore ${name}`, () => {
      let command: Command;
      before(async () => {
        command = (await loadCommand(name))!;
      });

      it('--help, -h and help NAME: usage and every flag, its default and its variable, on stdout, exit 0', async () => {
        const flags = command.flags.flatMap((s) => Object.entries(s.flags).map(([flag, spec]) => ({ section: s.title, flag, spec })));
        assert.ok(flags.length > 0);
        for (const args of [[name, '--help'], [name, '-h'], ['help', name]]) {
          const r = await run(args);
          assert.equal(r.code, 0, args.join(' '));
          assert.equal(r.stderr, '', args.join(' '));
          assert.ok(r.stdout.startsWith(`pfxstore ${name}: ${command.summary}\n`), r.stdout);
          assert.ok(r.stdout.includes(`\nUsage: ${command.usage}\n`));
          for (const { section, flag, spec } of flags) {
            assert.ok(r.stdout.includes(`\n${section}:\n`), section);
            const text = flagText(r.stdout, flag, section);
            assert.ok(text, `${args.join(' ')} describes --${flag}`);
            assert.ok(text.includes(spec.description.replace(/\s+/g, ' ')), `--${flag}: ${text}`);
            const fallback = spec.defaultText ?? spec.default;
            if (fallback !== undefined) assert.ok(text.includes(`[default: ${fallback}]`), `--${flag} default: ${text}`);
            if (spec.env) assert.ok(text.includes(`[env: ${spec.env}]`), `--${flag} env: ${text}`);
          }
          assert.ok(flagText(r.stdout, 'help'), '--help itself');
        }
      });

      it('an unknown flag is a usage error: the message and the usage on stderr, exit 2', async () => {
        const r = await run([name, '--bogus']);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, new RegExp(`^pfxstore ${name}: .*'--bogus'`));
        assert.ok(r.stderr.includes(`\nUsage: ${command.usage}\n`), r.stderr);
        assert.match(r.stderr, new RegExp(`Run 'pfxstore ${name} --help' for every option\\.`));
      });
    });
  }

  it('serve and token document their variables and defaults in words a person can check', async () => {
    const serve = (await run(['serve', '--help'])).stdout;
    assert.match(flagText(serve, 'port')!, /0 picks a free one \[default: 8443\] \[env: PFXSTORE_PORT\]/);
    assert.match(flagText(serve, 'log-format')!, /\[default: pretty when stderr is a terminal, else json\] \[env: PFXSTORE_LOG_FORMAT\]/);
    assert.match(flagText(serve, 'no-auto-users')!, /\[env: PFXSTORE_NO_AUTO_USERS\]/);
    assert.match(serve, /PFXSTORE_SECRET_KEY/);
    const token = (await run(['token', '-h'])).stdout;
    assert.match(flagText(token, 'ttl')!, /\[default: 1h\]/);
    assert.match(flagText(token, 'data')!, /\[default: \.\/\.pfxstore\] \[env: PFXSTORE_DATA\]/);
    const list = (await run(['help', 'list'])).stdout;
    assert.match(flagText(list, 'url')!, /\[default: https:\/\/127\.0\.0\.1:8443\/beta\] \[env: PFXSTORE_URL\]/);
  });

  it('bad values are usage errors too, exit 2: serve --port, --log-format; token --ttl -1h, --ttl 0; users without a subcommand', async () => {
    const cases: [string[], RegExp][] = [
      [['serve', '--port', '70000'], /--port must be an integer from 0 to 65535, not '70000'/],
      [['serve', '--log-format', 'fancy'], /--log-format must be one of json, pretty, not 'fancy'/],
      [['serve', '--auth', 'oidc'], /--auth oidc needs --issuer, --audience and --jwks-uri/],
      [['token', '--ttl', '-1h'], /Option '--ttl' argument is ambiguous/],
      [['token', '--ttl=-1h'], /--ttl must be a duration such as 90s, 15m, 1h or 7d, not '-1h'/],
      [['token', '--ttl', '0'], /--ttl must be a duration/],
      [['users'], /give a subcommand: add, list or remove/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args, { env: { PFXSTORE_LOG_FORMAT: undefined } });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.match(r.stderr, new RegExp(`^Usage: pfxstore ${args[0]} `, 'm'));
    }
  });
});
