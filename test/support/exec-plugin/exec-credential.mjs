#!/usr/bin/env node
// A kubeconfig exec credential plugin for tests, shaped like `aws eks get-token`: it prints an
// ExecCredential whose token comes from its first argument, or fails when told to.
const [token, mode] = process.argv.slice(2);
if (mode === 'fail') {
  process.stderr.write('could not get token: the security token included in the request is expired\n');
  process.exit(1);
}
process.stdout.write(
  JSON.stringify({
    kind: 'ExecCredential',
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    spec: {},
    status: { expirationTimestamp: new Date(Date.now() + 15 * 60_000).toISOString(), token },
  }),
);
