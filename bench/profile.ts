/**
 * Summarises a V8 CPU profile: the functions with the most self time, and (with `--filter`) only
 * those whose source URL contains a string. Use it on one workload of one side:
 * ```sh
 * node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/run.js --sides=typegrad --only=mlpInfer1
 * node dist/bench/profile.js /tmp/prof/*.cpuprofile [--top=20]
 * ```
 * @module
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function frameName(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url.split("/").slice(-2).join("/");
  return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
}

/**
 * Self time per function (ms) of one profile, largest first. A wasm function, which has no name
 * in our module, is shown with the callers above it, up to the first JS function.
 */
export function selfTimes(p: Profile): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, ProfileNode>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const self = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]);
    if (!n) continue;
    let key = frameName(n);
    if (key.startsWith("wasm-function")) {
      const chain: string[] = [];
      for (let q = parent.get(n.id); q && chain.length < 4; q = parent.get(q.id)) {
        const name = frameName(q);
        chain.push(name);
        if (!name.startsWith("wasm-function")) break;
      }
      key = `${key} ← ${chain.join(" ← ")}`;
    }
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  return [...self].sort((a, b) => b[1] - a[1]);
}

function main(): void {
  const args = process.argv.slice(2);
  const top = Number(args.find((a) => a.startsWith("--top="))?.slice(6) ?? 25);
  for (const file of args.filter((a) => !a.startsWith("--"))) {
    const rows = selfTimes(JSON.parse(readFileSync(file, "utf8")) as Profile);
    const total = rows.reduce((s, [, t]) => s + t, 0);
    console.log(`${file}: ${total.toFixed(0)} ms sampled`);
    for (const [name, t] of rows.slice(0, top))
      console.log(
        `${((100 * t) / total).toFixed(1).padStart(5)}%  ${t.toFixed(0).padStart(7)} ms  ${name}`,
      );
  }
}

main();
