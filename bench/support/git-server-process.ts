/**
 * The Git test server in a process of its own, for benchmarks whose own process grows large.
 * `git http-backend` runs as CGI, one child process per request, and Node starts a child by
 * forking: the bigger the forking process, the longer each start holds its event loop. With the
 * API simulator holding 10,000 objects in the same process, starting children took more than
 * a third of its time, and the agent waited on the Git server rather than on its own work.
 *
 * Run as a script (`fork`ed by `startGitServerProcess`), it serves and answers over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startGitServer, type GitRequest, type GitServer } from '../../test/support/git-server.js';

type Ask = { op: 'createRepo'; name: string; files: Record<string, string>; message: string } | { op: 'requests' } | { op: 'resetRequests' };
type Answer = { url: string } | { requests: GitRequest[] } | Record<string, never>;

/** The parts of the Git test server a benchmark needs, across the process boundary. */
export interface GitServerProcess {
  /** A repository with `files` in one commit pushed to its default branch; its clone URL. */
  createRepoWith(name: string, files: Record<string, string>, message: string): Promise<string>;
  requests(): Promise<GitRequest[]>;
  resetRequests(): Promise<void>;
  stop(): Promise<void>;
}

export async function startGitServerProcess(): Promise<GitServerProcess> {
  // The benchmarks run under tsx: the child inherits its loader through execArgv.
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const answers = new Map<number, (answer: Answer) => void>();
  let next = 0;
  child.on('message', (message: { id: number; answer: Answer }) => answers.get(message.id)?.(message.answer));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`benchmark: the Git server process exited (${code}) before it served`)));
  });
  const ask = (question: Ask) =>
    new Promise<Answer>((resolve) => {
      const id = ++next;
      answers.set(id, (answer) => {
        answers.delete(id);
        resolve(answer);
      });
      child.send({ id, question });
    });
  return {
    createRepoWith: async (name, files, message) => ((await ask({ op: 'createRepo', name, files, message })) as { url: string }).url,
    requests: async () => ((await ask({ op: 'requests' })) as { requests: GitRequest[] }).requests,
    resetRequests: async () => void (await ask({ op: 'resetRequests' })),
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

async function answer(git: GitServer, question: Ask): Promise<Answer> {
  switch (question.op) {
    case 'createRepo': {
      const repo = await git.createRepo(question.name);
      await repo.commitAndPush(question.files, question.message);
      return { url: repo.url };
    }
    case 'requests':
      return { requests: git.requests };
    case 'resetRequests':
      git.resetRequests();
      return {};
  }
}

async function serve(): Promise<void> {
  const git = await startGitServer();
  process.on('message', (message: { id: number; question: Ask }) => {
    void answer(git, message.question).then((reply) => process.send?.({ id: message.id, answer: reply }));
  });
  process.once('SIGTERM', () => void git.stop().then(() => process.exit(0)));
  process.send?.({ id: 0, answer: {} });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--serve')) await serve();
