/**
 * A PostgreSQL cluster that a test starts, stops, restarts (and replicates) itself, on a port of
 * its own, from the machine's PostgreSQL binaries (Debian's postgresql package: initdb, pg_ctl,
 * pg_basebackup). As root the server runs as the OS user `postgres`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../src/db/embedded";

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "pg_ctl"))) : [];
  if (!versions.length) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql (Debian package postgresql)");
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

const asRoot = process.getuid?.() === 0;
const ids = () => ({
  uid: Number(execFileSync("id", ["-u", "postgres"]).toString()),
  gid: Number(execFileSync("id", ["-g", "postgres"]).toString()),
});

function run(cmd: string, args: string[]): string {
  const r = spawnSync(path.join(binDir(), cmd), args, { ...(asRoot ? ids() : {}), encoding: "utf8", timeout: 60000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export class PgCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private static async tempDir(): Promise<string> {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "registry-cluster-"));
    if (asRoot) {
      const { uid, gid } = ids();
      fs.chownSync(base, uid, gid);
    }
    return path.join(base, "data");
  }

  /** initdb a new cluster (not started). */
  static async create(): Promise<PgCluster> {
    const dir = await PgCluster.tempDir();
    run("initdb", ["-D", dir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]);
    fs.appendFileSync(dir + "/postgresql.conf", "\nwal_level = replica\nmax_wal_senders = 5\nfsync = off\n");
    fs.appendFileSync(dir + "/pg_hba.conf", "\nhost replication postgres 127.0.0.1/32 trust\n");
    return new PgCluster(dir, await freePort());
  }

  /** A streaming replica of a running primary (pg_basebackup -R). */
  static async replicaOf(primary: PgCluster): Promise<PgCluster> {
    const dir = await PgCluster.tempDir();
    run("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", dir, "-R", "-X", "stream"]);
    return new PgCluster(dir, await freePort());
  }

  start(): void {
    run("pg_ctl", ["-D", this.dir, "-w", "-t", "60", "-l", this.dir + "/../log", "-o", `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`, "start"]);
  }

  stop(mode: "fast" | "immediate" = "fast"): void {
    run("pg_ctl", ["-D", this.dir, "-w", "-m", mode, "stop"]);
  }

  restart(): void {
    run("pg_ctl", ["-D", this.dir, "-w", "-t", "60", "-m", "fast", "-l", this.dir + "/../log", "-o", `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`, "restart"]);
  }

  destroy(): void {
    try {
      this.stop("immediate");
    } catch {
      /* not running */
    }
    fs.rmSync(path.dirname(this.dir), { recursive: true, force: true });
  }
}
