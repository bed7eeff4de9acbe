// docker-compose.yml read as data, so the tests check the file users run and the native topology
// test runs the very commands its services run.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

export const ROOT = path.resolve(__dirname, "..", "..");
export const COMPOSE_FILE = path.join(ROOT, "docker-compose.yml");

export interface ComposeService {
  image?: string;
  build?: { context: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

export function readCompose(): ComposeFile {
  return parse(readFileSync(COMPOSE_FILE, "utf8")) as ComposeFile;
}
