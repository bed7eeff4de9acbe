"""spark-submit entry point: `spark-submit ... spark/main.py --brokers HOST:PORT ...` (see README)."""

import sys

from homestream_spark.job import run

if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
