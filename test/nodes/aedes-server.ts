// An embedded aedes MQTT broker on a free loopback port, for flows fed by Node-RED's own mqtt nodes.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";

export interface AedesServer {
  port: number;
  close(): Promise<void>;
}

export async function startAedes(): Promise<AedesServer> {
  const { Aedes } = await import("aedes");
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((done) => aedes.close(() => done()));
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
