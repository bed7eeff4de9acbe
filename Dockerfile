# HomeStream: this package with Node-RED 5 (an npm dependency, embedded by `homestream start`) and
# the MQTT-to-Kafka bridge (`homestream bridge`). One image, two commands; see docker-compose.yml.

# Build: compile TypeScript, generate examples/, then drop the dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY core core
COPY simulator simulator
COPY kafka kafka
COPY bridge bridge
COPY nodes nodes
COPY start start
COPY cli cli
COPY flows flows
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/examples examples
# Node-RED's user directory and the CSV output live under /data (owned by the unprivileged user).
RUN mkdir -p /data/node-red /data/output && chown -R node:node /data
USER node
VOLUME ["/data"]
# 1880: editor and dashboard; 1883: MQTT; 9464: bridge metrics and /healthz
EXPOSE 1880 1883 9464
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["start", "--host", "0.0.0.0", "--data-dir", "/data"]
