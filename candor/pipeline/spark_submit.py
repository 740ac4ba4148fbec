"""`candor score` on Spark under spark-submit, which runs a Python file by its path:

    PYSPARK_PYTHON=.venv/bin/python .venv/bin/spark-submit --master spark://head:7077 \
        candor/pipeline/spark_submit.py INPUT --out DIR [--format parquet] [...]

The arguments are `candor score`'s with ``--engine spark`` put first; the session keeps
the master (and the rest of the configuration) spark-submit gives it.
"""

import sys

from candor.pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main(["--engine", "spark", *sys.argv[1:]]))
