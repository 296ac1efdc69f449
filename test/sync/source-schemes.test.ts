import { describe, expect, it } from 'vitest';
import { gitSchemeOf, refuseChartRepository, refuseGitUrl } from '../../src/sync/index.js';

describe('which Git addresses a GitSync may use', () => {
  it.each([
    ['https://git.example.com/shop.git', 'https'],
    ['HTTPS://git.example.com/shop.git', 'https'],
    ['http://git.example.com/shop.git', 'http'],
    ['ssh://git@git.example.com:2222/shop.git', 'ssh'],
    ['git@github.com:example/shop.git', 'ssh'],
    ['git.example.com:shop.git', 'ssh'],
    ['file:///srv/git/shop.git', 'file'],
    ['git://git.example.com/shop.git', 'other'],
    ['ext::sh -c evil', 'other'],
    ['/srv/git/shop.git', 'other'],
    ['./shop', 'other'],
  ])('%s is %s', (url, scheme) => {
    expect(gitSchemeOf(url)).toBe(scheme);
  });

  it('accepts https and SSH, and plain http only when the agent allows it', () => {
    expect(refuseGitUrl('https://git.example.com/shop.git', {})).toBeUndefined();
    expect(refuseGitUrl('ssh://git@git.example.com/shop.git', {})).toBeUndefined();
    expect(refuseGitUrl('git@github.com:example/shop.git', {})).toBeUndefined();
    expect(refuseGitUrl('http://git.example.com/shop.git', {})).toMatch(/^spec\.source\.url: .* plain HTTP.*--allow-insecure-http/);
    expect(refuseGitUrl('http://git.example.com/shop.git', { allowInsecureHttp: true })).toBeUndefined();
  });

  it('refuses file:// even with --allow-insecure-http, and every other scheme', () => {
    expect(refuseGitUrl('file:///var/run/secrets/kubernetes.io/serviceaccount', { allowInsecureHttp: true })).toMatch(/^spec\.source\.url: file:\/\/.*does not read file:\/\//);
    expect(refuseGitUrl('git://git.example.com/shop.git', { allowInsecureHttp: true })).toMatch(/unsupported scheme/);
    expect(refuseGitUrl('/srv/git/shop.git', {})).toMatch(/unsupported scheme/);
  });
});

describe('which chart repositories a GitSync may use', () => {
  it('accepts https:// repositories and oci:// registries', () => {
    expect(refuseChartRepository('https://charts.example.com', false, {})).toBeUndefined();
    expect(refuseChartRepository('oci://registry.example.com/charts', false, {})).toBeUndefined();
  });

  it('needs --allow-insecure-http for an http:// repository or a plain-HTTP (insecure) registry', () => {
    expect(refuseChartRepository('http://charts.example.com', false, {})).toMatch(/^spec\.source\.helm\.repository: .*--allow-insecure-http/);
    expect(refuseChartRepository('oci://127.0.0.1:5000/charts', true, {})).toMatch(/^spec\.source\.helm\.insecure: .*--allow-insecure-http/);
    expect(refuseChartRepository('http://charts.example.com', false, { allowInsecureHttp: true })).toBeUndefined();
    expect(refuseChartRepository('oci://127.0.0.1:5000/charts', true, { allowInsecureHttp: true })).toBeUndefined();
  });

  it('refuses other schemes', () => {
    expect(refuseChartRepository('file:///charts', false, { allowInsecureHttp: true })).toMatch(/unsupported scheme/);
  });
});
