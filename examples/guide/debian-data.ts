/**
 * Data files shipped in Debian packages (Fashion-MNIST in `dataset-fashion-mnist`, the ARFF sets in
 * `weka`), found where `apt-get install` puts them or else unpacked once into a cache directory
 * with `apt-get download` and `dpkg -x`, the way `examples/credit-scoring.ts` gets its CSV. Nothing
 * is downloaded while an example trains: this runs once, before.
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The default cache: `$TYPEGRAD_DATA` or `<tmp>/typegrad-data`. */
export const dataCacheDir = (): string =>
  process.env.TYPEGRAD_DATA ?? join(tmpdir(), "typegrad-data");

/**
 * The local path of `path` (absolute inside the package, such as
 * `/usr/share/datasets/fashion-mnist`) from the Debian package `pkg`: the installed file if there
 * is one, else the copy unpacked into `cacheDir` (fetched on first use).
 * @example
 * ```ts
 * const dir = debianPath("dataset-fashion-mnist", "/usr/share/datasets/fashion-mnist");
 * ```
 */
export function debianPath(pkg: string, path: string, cacheDir = dataCacheDir()): string {
  if (existsSync(path)) return path;
  const work = join(cacheDir, `${pkg}-deb`);
  const unpacked = join(work, "x", path);
  if (existsSync(unpacked)) return unpacked;
  mkdirSync(work, { recursive: true });
  try {
    execFileSync("apt-get", ["download", pkg], { cwd: work, stdio: "ignore" });
    const deb = readdirSync(work).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
    if (!deb) throw new Error("no .deb was downloaded");
    execFileSync("dpkg", ["-x", deb, "x"], { cwd: work, stdio: "ignore" });
  } catch (e) {
    throw new Error(
      `could not fetch ${path} with apt-get download ${pkg} (${(e as Error).message}); ` +
        `install it with apt-get install ${pkg}, or unpack the package into ${join(work, "x")}`,
    );
  }
  if (!existsSync(unpacked)) throw new Error(`the package ${pkg} holds no ${path}`);
  return unpacked;
}
