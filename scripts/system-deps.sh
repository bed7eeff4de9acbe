#!/usr/bin/env bash
# Installs the Debian packages the test suites drive as real, independent peers (kcat for Kafka,
# Mosquitto for MQTT, Chromium for the editor and dashboard tests), and Java and Maven, which run the
# Apache Kafka broker of the Kafka suites (its jars come from Maven Central on first use), when they
# are missing.
set -euo pipefail

declare -A wanted=([kcat]=kcat [mosquitto]=mosquitto [mosquitto_pub]=mosquitto-clients [chromium]=chromium [java]=default-jre-headless [mvn]=maven [openssl]=openssl)
missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${wanted[$cmd]}")
done
# The Spark suites make a Python venv (test/spark): Debian's python3 needs python3-venv for that.
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)
[ ${#missing[@]} -eq 0 ] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${missing[*]} and no apt-get here; install them with your package manager" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "system-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
