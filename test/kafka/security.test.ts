// The connection's SASL and TLS settings reach the broker as configured: PLAIN and SCRAM-SHA-256/512
// authenticate, a wrong password is refused, and SCRAM-SHA-512 over TLS verifies the broker's certificate.
import { describe, expect, it } from "vitest";
import { createKafkaClient } from "../../kafka/client.js";
import type { ConnectionConfigInput } from "../../kafka/config.js";
import { DeliveryError } from "../../kafka/errors.js";
import { requirePrerequisite } from "../setup/prerequisite.js";
import { kafka, noBroker, reading, uniqueTopic } from "./helpers.js";

const secure = kafka.secure;
const runs =
  !noBroker &&
  requirePrerequisite(
    "kafka-sasl-tls",
    secure !== undefined,
    kafka.secureMissing ?? "the SASL and TLS listeners of the broker the test setup starts",
  );

/** Produces one record through `connection` and returns its delivery report. */
async function roundTrip(connection: ConnectionConfigInput) {
  const client = createKafkaClient({ connectionTimeoutMs: 5000, ...connection });
  const producer = client.producer({ topic: uniqueTopic("secure"), deliveryTimeoutMs: 20_000 });
  try {
    return await producer.send({ key: "k", value: JSON.stringify(reading(1)) });
  } finally {
    await producer.close({ timeoutMs: 1000 });
  }
}

describe.runIf(runs)("SASL and TLS settings against the broker", () => {
  const s = secure as NonNullable<typeof secure>;

  for (const mechanism of ["plain", "scram-sha-256", "scram-sha-512"] as const) {
    it(`authenticates with SASL ${mechanism}`, async () => {
      const report = await roundTrip({
        brokers: [s.sasl],
        sasl: { mechanism, username: s.user, password: s.password },
      });
      expect(report.offset).toBe("0");
    });
  }

  it("fails the record at once with a wrong password, naming the authentication failure", async () => {
    const client = createKafkaClient({
      brokers: [s.sasl],
      sasl: { mechanism: "scram-sha-512", username: s.user, password: "wrong" },
    });
    const producer = client.producer({ topic: uniqueTopic("secure") });
    const error = await producer.send({ value: JSON.stringify(reading(1)) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(String(error)).toMatch(/SASL SCRAM SHA512 authentication failed/i);
    expect(producer.state).toBe("disconnected");
    await producer.close({ timeoutMs: 1000 });
  });

  it("speaks TLS, verifying the broker's certificate against the given CA", async () => {
    const report = await roundTrip({
      brokers: [s.saslSsl],
      ssl: { ca: s.ca, rejectUnauthorized: true },
      sasl: { mechanism: "scram-sha-512", username: s.user, password: s.password },
    });
    expect(report.offset).toBe("0");
  });

  it("refuses a broker whose certificate it cannot verify", async () => {
    await expect(
      roundTrip({
        brokers: [s.saslSsl],
        ssl: true, // system CAs only: the self-signed certificate is not among them
        sasl: { mechanism: "scram-sha-512", username: s.user, password: s.password },
      }),
    ).rejects.toThrow(/certificate/i);
  });
});
