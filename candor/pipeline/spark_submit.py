"""`candor score` on Spark under spark-submit, which runs a Python file by its path:

    PYSPARK_PYTHON=.venv/bin/python .venv/bin/spark-submit --master spark://head:7077 \
        candor/pipeline/spark_submit.py INPUT --out DIR [--format parquet] [...]

The arguments are `candor score`'s with ``--engine spark`` put first; the session keeps
the master (and the rest of the configuration) spark-submit gives it.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    # Python put this file's folder first on the path, where candor/pipeline/statistics.py
    # would hide the standard library's statistics module.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    from candor.pipeline.cli import main

    sys.exit(main(["--engine", "spark", *sys.argv[1:]]))
