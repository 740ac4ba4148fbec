"""Reading and parsing a file's rows in a thread while the database saves a batch.

A bulk import alternates between Python work (decoding lines, parsing fields) and
waiting for PostgreSQL to take a batch (COPY, index updates, commit). psycopg lets
other threads run while it waits, so a reader thread parsing the next rows during
those waits turns the two kinds of time into overlapping ones on a machine with two
CPUs. The rows come out in the file's order, exactly as the plain loop gives them.
"""

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

Item = TypeVar("Item")

CHUNK = 1000  # items handed over at once (a queue operation per item costs too much)
DEPTH = 20  # chunks the reader may run ahead; bounds the memory held


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


def read_ahead(produce: Callable[[], Iterator[Item]]) -> Iterator[Item]:
    """The items of produce(), made by a thread up to DEPTH * CHUNK items ahead.
    An exception in the thread is raised here, where its item would have come."""
    handover: queue.Queue[object] = queue.Queue(maxsize=DEPTH)
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                handover.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        chunk: list[Item] = []
        try:
            for item in produce():
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    if not put(chunk):
                        return
                    chunk = []
            if chunk and not put(chunk):
                return
            put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            put(_Failed(error))

    reader = threading.Thread(target=work, name="import-reader", daemon=True)
    reader.start()
    try:
        while True:
            got = handover.get()
            if got is _DONE:
                return
            if isinstance(got, _Failed):
                raise got.error
            yield from got  # type: ignore[misc]
    finally:
        # Stopped early (a strict stop, a failed batch): let the reader end too.
        stop.set()
        reader.join()
