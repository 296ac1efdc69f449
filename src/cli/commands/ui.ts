import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { DEFAULT_UI_PORT, UI_HOST, startUiServer } from '../../ui/index.js';
import { connect, globalOptions, namespaceOf } from '../cluster.js';
import type { CliIO } from '../context.js';
import { wholeNumberFlag } from '../flags.js';
import { gitSourceFor } from '../source-arg.js';

const UI_HELP = `
The server listens on ${UI_HOST} only and talks to the cluster as you: the kubeconfig, context and
namespace of --kubeconfig, --context and -n (as every ferry command), so Kubernetes RBAC decides
what you see and may do. Nothing is exposed to the network; no credentials of its own.

Examples:
  ferry ui                    GitSyncs of the context's namespace, on http://${UI_HOST}:${DEFAULT_UI_PORT}/
  ferry ui -A --open          all namespaces, and open the browser
  ferry ui -n shop --port 0   a free port (printed)`;

export function registerUi(program: Command, io: CliIO): void {
  program
    .command('ui')
    .description(`serve a live web view of GitSyncs on ${UI_HOST}, with sync, suspend, resume and rollback (stops on Ctrl-C)`)
    .option('-A, --all-namespaces', 'list GitSyncs in all namespaces (default: the namespace of -n or the context)')
    .option('--port <port>', `the port to listen on, 0 for any free one`, wholeNumberFlag('--port', { min: 0, max: 65535 }), DEFAULT_UI_PORT)
    .option('--open', 'open the page in the default browser')
    .addHelpText('after', `${UI_HELP}\n\nGlobal flags used: --kubeconfig <path>, --context <name>, -n, --namespace <namespace>.`)
    .action(async (flags: { allNamespaces?: boolean; port: number; open?: boolean }, command: Command) => {
      const options = globalOptions(command);
      const client = connect(options);
      const namespace = namespaceOf(options, client);
      const ui = await startUiServer({ client, port: flags.port, git: gitSourceFor(io.env), ...(flags.allNamespaces ? {} : { namespace }) });
      io.stdout.write(`ferry ui: ${ui.url} (${flags.allNamespaces ? 'all namespaces' : `namespace ${namespace}`}; Ctrl-C to stop)\n`);
      if (flags.open) openBrowser(ui.url, io);
      await untilStopped(io.signal);
      await ui.close();
      client.close();
    });
}

/** Resolves on Ctrl-C, SIGTERM or the caller's signal. */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    if (signal?.aborted) return done();
    signal?.addEventListener('abort', done, { once: true });
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

function openBrowser(url: string, io: CliIO): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(command as string, args as string[], { detached: true, stdio: 'ignore' });
  child.on('error', () => io.stderr.write(`could not open a browser (${command as string}); open ${url} yourself\n`));
  child.unref();
}
