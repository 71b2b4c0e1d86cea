"""One way to run many independent solves: here, in a local process pool, or on a Dask
cluster.

``run_map(fn, items, workers, dask_address=None, progress=None)`` returns ``[fn(x) for x in
items]`` in item order, whoever computed each one. ``fn`` must be a picklable callable (a
module-level function, or an object with ``__call__``) whose result depends on the item only:
then every way of running gives the same list, so files written from it are byte-identical
for any worker count and on a cluster. Randomness belongs in the item (a seed per item), never
in a worker.

- ``workers`` 1 (or a single item): in this process, nothing pickled.
- Otherwise a process pool of ``workers`` (default: all cores). ``fn`` is sent to each worker
  once (pool initializer) and items go in small blocks, so a callable that caches a model
  on first use builds it once per worker.
- ``dask_address`` (``tcp://HOST:PORT``): the items as tasks on a running Dask distributed
  scheduler (``pip install distributed``); ``fn`` is scattered to the workers once, and
  each task is a block of consecutive items (dask_items_per_task: about TASKS_PER_WORKER
  tasks per worker, at most MAX_ITEMS_PER_TASK items each), so that the scheduler's cost per
  task (~1-2 ms of its CPU, one task at a time) stays small next to the work. A worker lost
  mid-run has its tasks re-run elsewhere (Dask's own retry,
  ``distributed.scheduler.allowed-failures``), and a re-run gives the same result, so no item
  is lost or counted twice.
"""

from __future__ import annotations

import functools
import importlib
import os
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing.context import BaseContext
from typing import Any

Progress = Callable[[int, int], None]
"""Called in the calling process with (items done, items in all)."""

BLOCKS_PER_WORKER = 16
"""Items go to the pool in about this many blocks per worker (fewer round trips, still
balancing when items take very different times: the last block is ~1/16 of a worker's
share)."""
TASKS_PER_WORKER = 16
MAX_ITEMS_PER_TASK = 32
"""Dask: items per task so that each worker gets about TASKS_PER_WORKER tasks (balance, and
little to re-run when one is lost), at most MAX_ITEMS_PER_TASK (bench/README.md: the
scheduler's CPU per task is the serial floor of a large run)."""
DASK_CONNECT_TIMEOUT_S = 10
"""How long to wait for the Dask scheduler before giving up with a clear message."""


class ExecutorUnavailable(RuntimeError):
    """The requested way of running cannot be used here (e.g. Dask is not installed or the
    scheduler cannot be reached); the message says why, in one line."""


def run_map(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Progress | None = None,
) -> list[Any]:
    """``[fn(x) for x in items]``, in item order (see the module docstring)."""
    items = list(items)
    if progress is not None:
        progress(0, len(items))
    if dask_address:
        return _run_dask(fn, items, dask_address, progress)
    workers = max(1, min(workers or os.cpu_count() or 1, len(items) or 1))
    if workers == 1:
        out = []
        for done, item in enumerate(items, start=1):
            out.append(fn(item))
            if progress is not None:
                progress(done, len(items))
        return out
    return _run_pool(fn, items, workers, progress)


# ---- local process pool ---------------------------------------------------------------------

_WORKER_FN: dict[str, Callable[[Any], Any]] = {}


def _set_fn(fn: Callable[[Any], Any]) -> None:
    _WORKER_FN["fn"] = fn


def _apply_block(block: list[Any]) -> list[Any]:
    fn = _WORKER_FN["fn"]
    return [fn(item) for item in block]


def _context() -> BaseContext:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _run_pool(
    fn: Callable[[Any], Any], items: list[Any], workers: int, progress: Progress | None
) -> list[Any]:
    size = max(1, len(items) // (workers * BLOCKS_PER_WORKER))
    starts = list(range(0, len(items), size))
    found: list[list[Any] | None] = [None] * len(starts)
    done = 0
    with ProcessPoolExecutor(
        workers, mp_context=_context(), initializer=functools.partial(_set_fn, fn)
    ) as pool:
        futures = {pool.submit(_apply_block, items[s : s + size]): b for b, s in enumerate(starts)}
        for future in as_completed(futures):
            block = future.result()
            found[futures[future]] = block
            done += len(block)
            if progress is not None:
                progress(done, len(items))
    return [x for block in found for x in block or []]


# ---- Dask distributed -----------------------------------------------------------------------


def _call_block(block: list[Any], fn: Callable[[Any], Any]) -> list[Any]:
    return [fn(item) for item in block]


def dask_items_per_task(items: int, workers: int) -> int:
    """Items per Dask task for ``items`` items on ``workers`` workers (module docstring)."""
    return max(1, min(MAX_ITEMS_PER_TASK, items // (max(1, workers) * TASKS_PER_WORKER)))


def _run_dask(
    fn: Callable[[Any], Any], items: list[Any], address: str, progress: Progress | None
) -> list[Any]:
    try:  # as Any: distributed's functions carry no annotations
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:
        raise ExecutorUnavailable(
            "--dask needs the 'distributed' package (pip install distributed)"
        ) from exc
    try:
        client = distributed.Client(address, timeout=DASK_CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise ExecutorUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        shared = client.scatter(fn, broadcast=True, hash=False)
        slots = sum(client.nthreads().values())  # worker threads: tasks run at once
        size = dask_items_per_task(len(items), slots)
        blocks = [items[s : s + size] for s in range(0, len(items), size)]
        run = uuid.uuid4().hex[:12]
        keys = [f"allocator-{run}-{b}" for b in range(len(blocks))]
        futures = client.map(_call_block, blocks, fn=shared, key=keys, pure=False)
        index = {f.key: b for b, f in enumerate(futures)}
        found: list[list[Any] | None] = [None] * len(blocks)
        done = 0
        for future in distributed.as_completed(futures):
            block = future.result()
            found[index[future.key]] = block
            done += len(block)
            if progress is not None:
                progress(done, len(items))
        return [x for block in found for x in block or []]
    finally:
        client.close()
