"""The fast lane of bulk import in two processes: a forked worker prepares, admits and encodes the next
batches while this process, the store's only writer, inserts the ones before them.

The lane's checks and encoding (service/bulk_fast.py) take about as much CPU as the insert itself, so
on a machine with a CPU free for each they run beside it (`worth_a_worker`: when 1.5 CPUs or more were
free in the last moments, this process's own counted; on two busy ones the worker's own cost outweighed
it, BENCHMARKS.md).

The worker never touches the store: before it sends a batch, the writer reads what the store holds of
every stream of the batch the worker does not know yet (their rows, one query per 500 streams:
`FastLane.stored`) and sends it with the batch; the worker installs it, checks and encodes the batch
exactly as the lane in one process does, and answers with the rows to insert (the same bytes) or
with "declined" (every RENEW batches a new worker, forked afresh, takes over). A file's lines
(`Importer.lines_in`) are sent as they are and parsed by the worker:
the writer finds the streams they name in their bytes (`line_names`), so that it only reads the file,
inserts and commits (the floor's own work); when the lines do not name their streams plainly, the
writer parses the batch itself and sends it parsed.

Batches are still decided one after another, in file order, each in its own transaction, all or
nothing, exactly as without the worker: the writer inserts a batch only after every earlier one is
inserted or decided, and a batch the worker declined, or whose insert met another writer's event (the
primary key: optimistic concurrency), is handed back (`Pipeline.batches` yields it) to be decided in
this process (the lane, then the reference) once the worker's later answers are thrown away and what
it knew of the streams forgotten (`reset`); the batches after it are sent again. A worker that fails
or dies hands every batch not yet inserted back the same way, and is not used again for the import.
"""

from __future__ import annotations

import fcntl
import gc
import marshal
import multiprocessing
import os
import queue
import re
import struct
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from itertools import chain, repeat
from multiprocessing.reduction import ForkingPickler
from pickle import loads as unpickle  # noqa: S403 - only what this import's own processes sent
from typing import Any
from uuid import uuid4

from orjson import loads

from domain.errors import FactsInvalid
from service.bulk_fast import KEEP, FastLane
from service.facts_routing import route

AHEAD = 2  # batches sent to the worker before the writer waits for the first answer
# Batches a worker takes before a new one, forked afresh, takes over (`Pipeline._renew`). Why (issue 12): a
# worker's CPU per batch grew over a long import although the streams it holds are bounded (KEEP): the
# province at full scale 5.9 → 10.2 s of CPU per 208 batches from the first tenth to the last, its
# allocations and frees (parsing the lines, admitting, forgetting streams) slower as its heap aged; forked
# afresh every 128 batches it stays at 6.1-6.4 (workers' CPU 88.6 → 67.2 s). A renewal waits for the batches
# sent to the old worker to be inserted; the new one is sent the streams it needs, read from the store.
RENEW = 128
PATIENCE = 120.0  # seconds the writer waits for an answer before it goes on without the worker
_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
_FRAME = struct.Struct("!Qc")  # a message's size and kind (m: marshal, p: pickle), then its bytes


class WorkerFailed(Exception):
    """The worker answered with an error, or not at all: the import goes on without it."""


def can_fork() -> bool:
    """Forking is safe only in a process without other threads (a server's, a test client's)."""
    return hasattr(os, "fork") and threading.active_count() == 1


WINDOW = 0.15  # seconds of the CPUs' idle time a decision reads (/proc/stat), at least
NEEDED = 1.5  # CPUs free for the writer and the worker: the writer's own and most of another


class CpuSample:
    """How many of the CPUs this process may use were free since it was made: their idle time in
    /proc/stat over the window, plus this process's own CPU time (the writer's: it is busy either way, and
    it is the one CPU of the two the import needs that it already holds). Says what is free now, not what
    the last minute's load average said (which lags by a minute and still counts a process just ended:
    at full scale it kept the worker off after the previous bench step, issue 12). None without
    /proc/stat (not Linux)."""

    def __init__(self) -> None:
        self.cpus = _allowed()
        self.before = _proc_stat(self.cpus)
        self.started, self.own = time.monotonic(), _own_seconds()

    def free(self) -> float | None:
        """The CPUs free in the window (waiting out what is left of it first), or None (no /proc/stat)."""
        if self.before is None:
            return None
        time.sleep(max(0.0, WINDOW - (time.monotonic() - self.started)))
        after = _proc_stat(self.cpus)
        if after is None:
            return None
        idle, total = after[0] - self.before[0], after[1] - self.before[1]
        if total <= 0:  # no tick counted in the window (a coarse clock): nothing known
            return None
        own = (_own_seconds() - self.own) * _HZ  # in the same clock ticks as /proc/stat
        return min(len(self.cpus), (idle + own) * len(self.cpus) / total)


def worth_a_worker(sample: CpuSample | None = None) -> bool:
    """Whether a worker pays: it costs about 30% more CPU in all (its pickling, the writer's reads) and
    halves the writer's, so it pays when it has a CPU to itself. Measured on two CPUs (BENCHMARKS.md): with
    the machine otherwise idle, 100,700-109,100 ev/s with it against 70,300-73,400 without; with both CPUs
    busy with others' work, 65,000-68,000 against 75,000-77,000. So: when, of the CPUs this process may
    use, 1.5 or more were free in the sample's window (`CpuSample`: this process's own CPU counted free);
    without /proc/stat, as before: three CPUs or more, or two while the last minute's load leaves one of
    them free (this process, reading the file, is the load's one)."""
    cpus = len(_allowed())
    if cpus < 2:
        return False
    free = (sample or CpuSample()).free()
    if free is not None:
        return free >= NEEDED
    if cpus > 2:
        return True
    return hasattr(os, "getloadavg") and os.getloadavg()[0] < cpus - 0.5


def _allowed() -> list[int]:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def _proc_stat(cpus: list[int]) -> tuple[int, int] | None:
    """Idle (idle and iowait) and all clock ticks so far of these CPUs, summed; None without /proc/stat or
    when it does not list each of them."""
    try:
        with open("/proc/stat", "rb") as stat:
            text = stat.read()
    except OSError:
        return None
    wanted, idle, total = {f"cpu{n}".encode() for n in cpus}, 0, 0
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] in wanted:
            ticks = [int(f) for f in fields[1:]]
            if len(ticks) < 4:
                return None
            wanted.discard(fields[0])
            idle += ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
            total += sum(ticks[:8])  # guest time is already counted in user and nice
    return None if wanted else (idle, total)


def _own_seconds() -> float:
    return time.process_time()


_HZ = os.sysconf("SC_CLK_TCK") if "SC_CLK_TCK" in getattr(os, "sysconf_names", {}) else 100


class Pipeline:
    """One import's worker and what the writer knows of it: the streams it holds, the batches in flight."""

    def __init__(self, lane: FastLane, code: str, subjects: dict[str, dict[str, Any]], actor: str):
        self.lane, self.code, self.subjects, self.actor = lane, code, subjects, actor
        self.known: OrderedDict[str, None] = OrderedDict()  # the streams the worker holds, as it holds them
        self.generation = 0  # answers of an earlier generation were overtaken by a reset: thrown away
        self.wait_seconds = 0.0  # the writer's time waiting for the worker
        self.lines = 0  # lines the worker was sent to parse
        self.sent = 0  # batches sent to this worker (a new one takes over after RENEW)
        self.retired: list[Any] = []  # workers told to stop after RENEW batches, not yet waited for
        self._start()

    def _start(self) -> None:
        """Fork a worker (holding no stream) and the one-way pipes to it, widened: a batch is sent at once."""
        context = multiprocessing.get_context("fork")
        requests, self.out = context.Pipe(duplex=False)
        self.answers, answering = context.Pipe(duplex=False)
        _widen(self.out)
        _widen(answering)
        args = (requests, answering, self.lane, self.code, self.actor)
        self.process = context.Process(target=_serve, args=args, daemon=True)
        self.process.start()
        requests.close()
        answering.close()
        self.sent = 0

    def _renew(self) -> None:
        """A new worker in place of this one, once every batch sent to it is inserted or decided (so that the
        store holds all it knew): the old one told to stop, and nothing it held counted as held (`known`)."""
        self.retired.append(self.process)
        try:
            _send(self.out, None)
        except OSError:
            pass
        self.out.close()
        self.answers.close()
        self.known.clear()
        try:
            self._start()
        except OSError as exc:  # no fork (memory, process limit): the rest is decided here
            raise WorkerFailed(str(exc)) from exc

    def batches(self, chunks: Iterator[list[Any]], written: Any, raw: bool = False) -> Iterator[list[dict[str, Any]]]:
        """Send the chunks through the worker, inserting its rows with `written(chunk, rows, touched)`
        (False: the insert met another writer); yield, in order, each chunk this process must decide.

        `raw`: the chunks are a file's lines (bytes, each read as orjson.loads reads it), parsed by the
        worker (here when `line_names` cannot read their streams); a chunk handed back is parsed here (a
        line that is no JSON raises here then, as reading the file in this process does, after every
        earlier batch is inserted)."""
        pending: deque[tuple[list[Any], bool]] = deque()  # sent (as lines or not), not yet inserted nor handed back
        items = ((chunk, raw) for chunk in chunks)
        try:
            while True:
                while len(pending) < AHEAD and (self.sent < RENEW or not pending):
                    item = next(items, None)
                    if item is None:
                        break
                    pending.append(item)  # before it is sent: if sending fails, it is decided here
                    if self.sent >= RENEW:  # every batch sent to the worker is inserted: a new one takes over
                        self._renew()
                    pending[-1] = self._send(*item)
                if not pending:
                    return
                answer = self._answer()
                if answer is not None and written(pending[0][0], *answer):
                    pending.popleft()
                    continue
                self._reset()
                item = pending.popleft()
                items = chain(list(pending), items)  # sent again after this one is decided here
                pending.clear()
                yield parsed(*item)
        except WorkerFailed:
            self.close()
            yield from (parsed(*item) for item in chain(pending, items))
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (none is left running after the import, whatever happened)."""
        for process in self.retired:
            _stopped(process)
        self.retired.clear()
        if self.process.exitcode is None:
            try:
                _send(self.out, None)
            except OSError:
                pass
            _stopped(self.process)
        self.out.close()
        self.answers.close()

    def _send(self, chunk: list[Any], raw: bool) -> tuple[list[Any], bool]:
        """Send a chunk with what the store holds of its streams the worker does not hold: as lines when
        `raw` and the lines name their streams plainly, else parsed here. What was sent (to be sent again,
        or decided here, if it comes back).

        Lines are sent as they are even when the worker is the slower of the two: parsing them costs the
        worker about what reading a parsed batch from the pipe did (marshal.loads of a batch of the
        province's facts 0.71 µs a fact, orjson.loads of its lines 0.77), and the writer saves ~0.9 µs a
        fact (the parse, marshalling the dicts, their streams found by names_of)."""
        found = line_names(chunk) if raw else None
        if raw and found is None:
            try:
                chunk, raw = [loads(line) for line in chunk], False
            except ValueError:  # no JSON: sent as it is, the worker declines it, and it is parsed here again
                found = set()
        names = sorted(n for n in (names_of(chunk) if found is None else found) if n in self.subjects)
        for name in names:
            if name in self.known:
                self.known.move_to_end(name)
        fresh = [n for n in names if n not in self.known]
        loaded = self._load(fresh)
        for name in fresh:
            self.known[name] = None
        forget = []
        while len(self.known) > KEEP:
            forget.append(self.known.popitem(last=False)[0])
        try:
            _send(self.out, ("batch", self.generation, chunk, loaded, forget, raw))
        except OSError as exc:
            raise WorkerFailed(str(exc)) from exc
        if raw:
            self.lines += len(chunk)
        self.sent += 1
        return chunk, raw

    def _load(self, names: list[str]) -> dict[str, tuple[int, list[dict[str, Any]]] | None]:
        """What the store holds of these streams: None for a stream not written yet."""
        return self.lane.stored(names)

    def _answer(self) -> tuple[list[tuple[Any, ...]], list[str]] | None:
        """The worker's next answer of this generation: (rows, streams touched), or None (declined)."""
        started = time.perf_counter()
        try:
            while True:
                if not self.answers.poll(PATIENCE):
                    raise WorkerFailed(PATIENCE)  # no answer in that many seconds (never shown: caught above)
                message = _recv(self.answers)
                if message[0] == "failed":
                    raise WorkerFailed(message[1])
                if message[1] == self.generation:
                    return None if message[0] == "declined" else (message[2], message[3])
        except (EOFError, OSError) as exc:
            raise WorkerFailed(repr(exc)) from exc
        finally:
            self.wait_seconds += time.perf_counter() - started

    def _reset(self) -> None:
        self.generation += 1
        self.known.clear()
        try:
            _send(self.out, ("reset", self.generation))
        except OSError as exc:
            raise WorkerFailed(str(exc)) from exc


def names_of(chunk: list[Any]) -> set[Any]:
    """The subjects' streams a chunk's facts go to (a few more do no harm: they are only read and sent):
    their subjects, and the streams of the facts their retractions, exemptions and corrections name."""
    try:
        names = set(map(dict.get, chunk, repeat("subject")))
        for key in ("target", "corrects"):
            names.update(n.split(":", 1)[0] for n in set(map(dict.get, chunk, repeat(key))) if type(n) is str)
    except TypeError:  # a row that is no object: route's rule fact by fact
        return set(map(_name, chunk))
    return names


_SUBJECT = re.compile(rb'"subject":"([^"\\]*)"')
_NAMED = re.compile(rb'"(?:target|corrects)":"([^"\\:]*)[":]')
_KEYS = (b'"subject"', b'"target"', b'"corrects"')


def line_names(lines: list[bytes]) -> set[str] | None:
    """What `names_of` says of these lines once parsed, or more, read from their bytes (issue 12: reading
    them, not parsing them, keeps the parse in the worker): every string after a "subject", "target" or
    "corrects" key, the latter two up to their first colon. None unless each of those keys in the lines
    (anywhere: a party's subject too) is followed at once by a plain string (no spaces, no escapes), so
    that none is missed: the caller parses the lines then. (A stream missed would only make the worker
    decline the batch: it holds no stream it was not sent.)"""
    blob = b"".join(lines)
    subjects, keys = _SUBJECT.findall(blob), sum(map(blob.count, _KEYS))
    named = _NAMED.findall(blob) if keys > len(subjects) else []  # most files' lines name no earlier fact
    if len(subjects) + len(named) != keys:
        return None
    try:
        return {n.decode() for n in set(subjects).union(named)}
    except UnicodeDecodeError:
        return None


def _stopped(process: Any) -> None:
    """A worker told to stop, waited for (5 s), else terminated."""
    process.join(5)
    if process.exitcode is None:
        process.terminate()
        process.join()


def parsed(chunk: list[Any], raw: bool) -> list[Any]:
    """A chunk's facts: its lines parsed when they are lines (orjson.JSONDecodeError for one that is no JSON)."""
    return [loads(line) for line in chunk] if raw else chunk


def _name(fact: Any) -> str | None:
    """The stream a fact of the file goes to, when it is a subject's own (route's rule, without its checks)."""
    if type(fact) is not dict:
        return None
    target = fact.get("target") or fact.get("corrects")
    name = target.split(":", 1)[0] if type(target) is str else fact.get("subject")
    return name if type(name) is str else None


def _send(conn: Any, message: Any) -> None:
    """Send a message as marshal's bytes when marshal takes it, else pickled (`Connection.send`'s way).

    Why (issue 12): pickling a batch of 5,000 decoded facts cost the writer ~0.9-1.1 µs a fact (its
    memo), marshal ~0.27 (and the rows back ~0.05 against ~0.1), measured on the province's facts; the
    writer, which also reads the file and inserts, is the pipeline's bound. marshal writes only the
    exact built-in types (dict, list, tuple, str, int, float, bool, None, bytes) and refuses any other,
    a subclass too (ValueError): what it writes is read back as the same values of the same types, so
    the worker sees what the pickled batch showed it. What marshal refuses is pickled as before.

    Framed here (its size and kind, then the bytes) rather than by `Connection.send_bytes`, whose reader
    asks the OS for the whole remaining size at each read, allocating that much again for every piece the
    pipe hands it: the writer's `recv_bytes` of a batch's rows (~1.5 MB) cost 3.6 ms of CPU, 0.38 s of
    the province's import at 5%, where one buffer filled in place costs ~0.5 ms."""
    try:
        kind, body = b"m", marshal.dumps(message)
    except ValueError:
        kind, body = b"p", ForkingPickler.dumps(message)
    fd = conn.fileno()
    _write_all(fd, memoryview(_FRAME.pack(len(body), kind)))
    _write_all(fd, memoryview(body).cast("B"))


def _recv(conn: Any) -> Any:
    """A message `_send` sent: only ever this import's own writer's or forked worker's (as pickle was).
    EOFError when the other side is gone."""
    fd = conn.fileno()
    size, kind = _FRAME.unpack(_read_all(fd, _FRAME.size))
    body = _read_all(fd, size)
    return marshal.loads(body) if kind == b"m" else unpickle(body)  # noqa: S301, S302 - our own pipe


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        view = view[os.write(fd, view) :]


def _read_all(fd: int, size: int) -> bytearray:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        read = os.readv(fd, [view[got:]])
        if not read:
            raise EOFError
        got += read
    return buffer


def _widen(conn: Any) -> None:
    """A pipe of 1 MiB (Linux; 64 KiB otherwise): a writer's batch then goes in one write, not in sixteen
    each waiting for the worker's reading thread to get the interpreter back from its checking thread."""
    size = 1 << 20
    while size > 1 << 16:
        try:
            fcntl.fcntl(conn.fileno(), _SETPIPE_SZ, size)
            return
        except OSError:  # above /proc/sys/fs/pipe-max-size
            size >>= 1


def _serve(requests: Any, conn: Any, lane: FastLane, code: str, actor: str) -> None:
    """The worker: install the streams sent, check and encode each batch, answer; until told to stop.
    A thread takes the writer's messages as they come, so that neither process waits on a full pipe
    while the other waits on it too."""
    gc.disable()  # the worker's own process: it makes no cycles (and takes no lock another thread may hold)
    lane.reads = False
    lane.streams.clear()
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(requests, inbox), daemon=True).start()
    try:
        while (message := inbox.get()) is not None:
            if message[0] == "reset":
                lane.streams.clear()
                continue
            _, generation, chunk, loaded, forget, raw = message
            try:
                chunk = parsed(chunk, raw)
            except ValueError:  # no JSON: declined, parsed again by the writer, which raises as reading does
                _send(conn, ("declined", generation))
                continue
            answer = _checked(lane, code, actor, chunk, loaded, forget)
            _send(conn, ("declined", generation) if answer is None else ("rows", generation, *answer))
    except BaseException as exc:  # the writer goes on without the worker
        _send(conn, ("failed", repr(exc)))


def _receive(conn: Any, inbox: queue.SimpleQueue[Any]) -> None:
    """The writer's messages into the worker's inbox; None (stop) when it is gone, or when a message cannot
    be read (the worker then ends, and the writer, reading its end of the pipe, goes on without it at once
    rather than after PATIENCE)."""
    try:
        while True:
            message = _recv(conn)
            inbox.put(message)
            if message is None:
                return
    except Exception:  # noqa: BLE001 - EOF, OSError, or bytes marshal or pickle cannot read: stop either way
        inbox.put(None)


def _checked(lane: FastLane, code: str, actor: str, chunk: list[dict[str, Any]], loaded: dict[str, Any],
             forget: list[str]) -> tuple[list[tuple[Any, ...]], list[str]] | None:
    """One batch as the lane in one process takes it (prepared and routed as the reference prepares it)."""
    lane.forget(forget)
    for name, stored in loaded.items():
        lane.install(name, stored)
    found = lane_batch(code, chunk, actor, own=True)  # the worker's own copy of the batch: stamped in place
    if found is None:
        return None
    rows = lane.check(*found)
    return None if rows is None else (rows, sorted(set(found[1])))


def lane_batch(code: str, chunk: list[dict[str, Any]], actor: str,
               own: bool = False) -> tuple[list[dict[str, Any]], list[str]] | None:
    """The batch as Ledger.prepare_facts stamps it, with each fact's stream (routed once, not twice), or None
    when a fact has parties (a joint fact or a unit: never the lane's) or anything the reference refuses
    (which names it). `own`: the chunk's dicts are the caller's to change (the worker's copy, which nothing
    else reads: a batch it declines is decided from the writer's), so each is stamped in place, not copied."""
    try:
        return _prepared(code, chunk, actor, own)
    except (FactsInvalid, KeyError, TypeError, ValueError, AttributeError):
        return None


def _prepared(code: str, chunk: list[dict[str, Any]], actor: str,
              own: bool) -> tuple[list[dict[str, Any]], list[str]] | None:
    prepared, routes = [], []
    for fact in chunk:
        if type(fact) is not dict:
            return None
        if own:  # the same keys in the same order as the copy below: a key already there keeps its place
            fact["period"], fact["recorded_by"] = code, actor
            stamped = fact
        else:
            stamped = {**fact, "period": code, "recorded_by": actor}
        # Route's last rule (its subject's stream) read with a few gets: the key-set test it replaces (keys
        # among the nine plain ones) cost ~3,100 instructions a fact, these ~1,800 (callgrind, issue 12).
        get = stamped.get
        if get("parties"):
            return None
        if (get("target") or get("corrects")) is None and get("rank") is None:
            name = get("subject")
            if type(name) is not str:  # route takes a str subclass too: the lane leaves it to the reference
                return None
        else:
            name = route(stamped)
        given = get("id")
        if given is None:  # assign_id's rule: the id says which stream holds the fact
            stamped["id"] = f"{name}:{uuid4().hex[:20]}"
        elif type(given) is not str or not given.startswith(name + ":"):
            return None
        prepared.append(stamped)
        routes.append(name)
    return prepared, routes
