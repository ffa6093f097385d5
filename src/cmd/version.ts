/** Build information shown by `--version` and, later, /api/v1/status/buildinfo. */
import { readFileSync } from 'node:fs';

/** The package version from package.json (dist/cmd/ → ../../package.json). */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The text `--version` prints, in the shape of Prometheus's version banner. */
export function versionBanner(program: string): string {
  return `${program}, version ${version()} (node ${process.versions.node}, ${process.platform}/${process.arch})\n`;
}
