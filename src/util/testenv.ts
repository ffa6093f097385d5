/**
 * Where tests find what lives outside the repository: the upstream conformance data in
 * ../shared/conformance and the reference binaries installed by ../shared/tools/peers.sh.
 * When either is missing, a test prints one `skipped:` line and skips, except under CI
 * (`CI=true`), where a missing dependency is a failure.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is at dist/util/testenv.js or src/util/testenv.ts). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** The upstream conformance folder, `../shared/conformance` beside the repository. */
export const CONFORMANCE_DIR = resolve(REPO_ROOT, '..', 'shared', 'conformance');

/** True when running under CI, where missing test dependencies are failures. */
export function underCI(): boolean {
  return process.env.CI === 'true';
}

/**
 * The path of a conformance file or folder, or null when it is missing (after printing the
 * `skipped:` line). Under CI a missing path throws instead.
 */
export function conformancePath(rel: string, what: string): string | null {
  const p = join(CONFORMANCE_DIR, rel);
  if (existsSync(p)) return p;
  if (underCI()) throw new Error(`${what}: conformance data missing under CI: ${p}`);
  console.log(`skipped: ${what} (no ${p})`);
  return null;
}

/** The folder peers.sh installs the reference binaries into. */
function peersBinDir(): string {
  const cache =
    process.env.PEERS_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ignis-peers');
  return join(cache, 'root', 'usr', 'bin');
}

/**
 * The path of a reference binary (`prometheus`, `promtool`, `prometheus-alertmanager`,
 * `prometheus-node-exporter`), searched on PATH and in peers.sh's cache; null after printing
 * the `skipped:` line when absent. Under CI an absent binary throws.
 */
export function peerBinary(name: string, what: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), peersBinDir()];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  if (underCI()) throw new Error(`${what}: ${name} not found under CI (run ../shared/tools/peers.sh)`);
  console.log(`skipped: ${what} (${name} not installed; run ../shared/tools/peers.sh)`);
  return null;
}

/**
 * A self-signed certificate and key (PEM files in `dir`) for common name `cn`, made with
 * the openssl command; null when openssl is not available (the caller skips its TLS test).
 */
export function selfSignedCert(dir: string, cn: string): { crt: string; key: string } | null {
  const crt = join(dir, `${cn}.crt`);
  const key = join(dir, `${cn}.key`);
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-days',
        '1',
        '-subj',
        `/CN=${cn}`,
      ],
      { stdio: 'ignore' },
    );
  } catch {
    return null;
  }
  return { crt, key };
}
