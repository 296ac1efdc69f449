/**
 * The `ferry` command. Each subcommand lives in commands/<name>.ts and registers itself here;
 * `main` parses, runs, and turns every failure into a one-line message and an exit code, never
 * a stack trace.
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { FerryError } from '../errors.js';
import { CliExit, ExitCode, processIO, type CliIO } from './context.js';
import { registerVersion, ferryVersion } from './commands/version.js';
import { registerApply } from './commands/apply.js';
import { registerPlan } from './commands/plan.js';
import { registerAgent } from './commands/agent.js';
import { registerDiff } from './commands/diff.js';
import { registerStatus } from './commands/status.js';
import { registerSync } from './commands/sync.js';
import { registerHistory } from './commands/history.js';
import { registerRollback } from './commands/rollback.js';
import { registerSuspend, registerResume } from './commands/suspend.js';
import { registerUi } from './commands/ui.js';

const EXIT_CODES_HELP = `
Sources (plan, diff, apply):
  a directory, a manifest file, or a Git URL; --path names a directory or one file inside it.
  \${VAR} substitution is off unless --substitute KEY=VALUE is given (a GitSync: spec.render).

Charts (plan, diff, apply):
  a directory with a Chart.yaml renders with helm (on PATH, else FERRY_HELM); --helm-repo URL
  --chart NAME [--version RANGE] takes one from a Helm repository or an OCI registry instead;
  --values FILE and --set k=v as with helm. \`lookup\` is not available (helm template mode).

Print the version: ferry --version (or ferry version).

Exit codes:
  0  success (diff: no changes)
  1  the operation failed or rolled back (diff: changes found)
  2  bad input, or an error before anything was changed`;

/** Builds the command tree; exposed so tests and docs can inspect it. */
export function buildProgram(io: CliIO): Command {
  const program = new Command('ferry')
    .description('GitOps sync for Kubernetes: from Git to a healthy cluster, with rollback.')
    .addOption(new Option('--kubeconfig <path>', 'path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)'))
    .addOption(new Option('--context <name>', 'the kubeconfig context to use'))
    .addOption(new Option('-n, --namespace <namespace>', 'the namespace to work in'))
    .addOption(new Option('-v, --verbose', 'log what ferry does to stderr'))
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerStatus(program, io);
  registerPlan(program, io);
  registerDiff(program, io);
  registerApply(program, io);
  registerSync(program, io);
  registerHistory(program, io);
  registerRollback(program, io);
  registerSuspend(program, io);
  registerResume(program, io);
  registerAgent(program, io);
  registerUi(program, io);
  registerVersion(program, io);
  return program;
}

/** Runs the CLI with `argv` (as in process.argv) and resolves to the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  // Only as the one argument: commander's own version option would also take `plan --version 1.2`
  // (a chart version) for itself.
  if (argv.length === 3 && argv[2] === '--version') {
    io.stdout.write(`${ferryVersion()}\n`);
    return ExitCode.Ok;
  }
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return ExitCode.Ok;
  } catch (error) {
    return exitCodeFor(error, io);
  }
}

function exitCodeFor(error: unknown, io: CliIO): number {
  if (error instanceof CliExit) return error.exitCode;
  if (error instanceof CommanderError) {
    // Help and version print and exit 0; usage errors have already been printed by commander.
    return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Error;
  }
  if (error instanceof FerryError) {
    io.stderr.write(`error: ${error.message}\n`);
    return ExitCode.Error;
  }
  io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return ExitCode.Error;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv);
}
